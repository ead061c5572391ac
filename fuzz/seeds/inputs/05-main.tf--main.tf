# A GKE cluster with its endpoint public to any address (no authorized networks), nodes with
# public IPs running as the Compute Engine default service account, and a firewall rule that
# opens the kubelet to the internet.

resource "google_container_cluster" "primary" {
  name     = "shop"
  location = "europe-west1"

  remove_default_node_pool = true
  initial_node_count       = 1

  database_encryption {
    state    = "ENCRYPTED"
    key_name = google_kms_crypto_key.gke.id
  }
}

resource "google_container_node_pool" "default" {
  name    = "default"
  cluster = google_container_cluster.primary.id

  node_config {
    machine_type = "e2-standard-4"
  }
}

resource "google_compute_firewall" "kubelet" {
  name    = "allow-kubelet"
  network = "default"

  allow {
    protocol = "tcp"
    ports    = ["10250"]
  }

  source_ranges = ["0.0.0.0/0"]
  target_tags   = ["gke-shop"]
}
