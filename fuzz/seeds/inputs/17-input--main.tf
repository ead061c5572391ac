## An AKS cluster that is public without authorized IP ranges and keeps Secrets without KMS, and
# an NSG rule that opens SSH to the internet.

resource "azurerm_kubernetes_cluster" "shop" {
  name                = "shop"
  location            = "westeurope"
  resource_group_name = "shop"
  dns_prefix          = "shop"

  default_node_pool {
    name       = "default"
    node_count = 3
    vm_size    = "Standard_D4s_v5"
  }

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_network_security_rule" "ssh" {
  name                        = "ssh"
  priority                    = 100
  direction                   = "Inbound"
  access                      = "Allow"
  protocol                    = "Tcp"
  source_port_range           = "*"
  destination_port_range      = "22"
  source_address_prefix       = "Internet"
  destination_address_prefix  = "*"
  resource_group_name         = "shop"
  network_security_group_name = "shop-nodes"
}
