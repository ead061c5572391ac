//! A deterministic generator of realistic Kubernetes manifests, shared by the benches, the
//! agreement tests and `examples/gen_corpus.rs`.
//!
//! It has the shape of the reference generator (`gen_corpus.py` in the shared bench material):
//! the same kind mix (Deployments, StatefulSets, DaemonSets, CronJobs, Pods, Services, Ingresses,
//! NetworkPolicies, RBAC objects, ConfigMaps), workloads of 1 to 4 containers of about 2.7 KB of
//! YAML, and misconfigurations planted at the same rates. It is not byte-identical to the Python
//! output (that would need Python's Mersenne Twister): the pseudo-random stream is a hand-written
//! SplitMix64, so a given `(n, seed)` always gives the same text, on every platform.
//!
//! The YAML is written the way PyYAML's block style writes it (`sort_keys=False`,
//! `default_flow_style=False`): sequences inside mappings are not indented, strings that would
//! read as something else are single-quoted, and multi-line strings are literal blocks.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "benchmark and test support: failing loudly is the point"
)]

#[path = "emit.rs"]
mod emit;

#[allow(
    unused_imports,
    reason = "each includer of this file uses a part of it"
)]
pub use emit::{J, to_json, write_yaml};

macro_rules! map {
    ($($k:expr => $v:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut m = J::map();
        $(m.set($k, $v);)*
        m
    }};
}

/// SplitMix64: tiny, fast, and good enough to pick manifests.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An integer in `[0, n)` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // Lemire's multiply-shift; the tiny bias is irrelevant here.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An integer in `[lo, hi)`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }

    /// Whether an event of probability `p` happens.
    pub fn chance(&mut self, p: f64) -> bool {
        self.random() < p
    }

    /// One item of `xs`.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }

    /// `k` distinct items of `xs`, in random order.
    pub fn sample<T: Copy>(&mut self, xs: &[T], k: usize) -> Vec<T> {
        let mut pool: Vec<T> = xs.to_vec();
        let mut out = Vec::with_capacity(k);
        for _ in 0..k.min(pool.len()) {
            let i = self.below(pool.len() as u64) as usize;
            out.push(pool.swap_remove(i));
        }
        out
    }

    /// One item of `xs` chosen with the given integer weights.
    pub fn weighted<T: Copy>(&mut self, xs: &[(T, u64)]) -> T {
        let total: u64 = xs.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total);
        for (v, w) in xs {
            if x < *w {
                return *v;
            }
            x -= w;
        }
        xs[xs.len() - 1].0
    }

    /// 64 hex digits (a sha256-looking value).
    pub fn hex256(&mut self) -> String {
        (0..4)
            .map(|_| format!("{:016x}", self.next_u64()))
            .collect()
    }
}

const TEAMS: &[&str] = &[
    "payments",
    "search",
    "identity",
    "checkout",
    "platform",
    "data",
    "ml",
    "growth",
    "infra",
    "observability",
    "billing",
    "catalog",
    "notify",
];
const ENVS: &[&str] = &["prod", "staging", "dev", "qa"];
const APPS: &[&str] = &[
    "api",
    "worker",
    "gateway",
    "frontend",
    "backend",
    "scheduler",
    "indexer",
    "auth",
    "cache",
    "proxy",
    "ingester",
    "exporter",
    "controller",
    "router",
    "reporter",
    "sync",
    "webhook",
    "batch",
    "consumer",
    "producer",
];
const REGISTRIES: &[&str] = &[
    "registry.example.com",
    "ghcr.io/acme",
    "docker.io/library",
    "quay.io/acme",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com",
    "gcr.io/acme-prod",
    "",
];
const BASE_IMAGES: &[&str] = &[
    "nginx",
    "redis",
    "postgres",
    "envoy",
    "busybox",
    "python",
    "node",
    "golang",
    "openjdk",
    "alpine",
    "fluent-bit",
    "prometheus",
    "grafana",
    "haproxy",
    "memcached",
    "rabbitmq",
    "kafka",
    "elasticsearch",
];
const CAPS_ADD: &[&str] = &[
    "NET_ADMIN",
    "SYS_ADMIN",
    "NET_RAW",
    "SYS_PTRACE",
    "NET_BIND_SERVICE",
    "CHOWN",
    "SYS_TIME",
    "DAC_OVERRIDE",
];
const HOST_PATHS: &[&str] = &[
    "/var/run/docker.sock",
    "/var/log",
    "/proc",
    "/",
    "/etc",
    "/var/lib/kubelet",
    "/sys",
    "/dev",
    "/run/containerd/containerd.sock",
];
const ENV_NAMES: &[&str] = &[
    "LOG_LEVEL",
    "PORT",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "REDIS_URL",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "FEATURE_FLAGS",
    "JAVA_OPTS",
    "GOMAXPROCS",
    "NODE_ENV",
    "AWS_REGION",
    "KAFKA_BROKERS",
    "SENTRY_DSN",
    "CACHE_TTL",
    "MAX_CONNECTIONS",
    "TIMEOUT_MS",
    "HTTP_PROXY",
    "TZ",
    "APP_MODE",
];

/// The kind mix, with weights out of 100.
pub const KINDS: &[(&str, u64)] = &[
    ("Deployment", 25),
    ("StatefulSet", 6),
    ("DaemonSet", 4),
    ("CronJob", 5),
    ("Pod", 8),
    ("Service", 17),
    ("Ingress", 6),
    ("NetworkPolicy", 6),
    ("Role", 3),
    ("ClusterRole", 2),
    ("RoleBinding", 5),
    ("ConfigMap", 13),
];

/// The generator's state.
pub struct Gen {
    r: Rng,
}

struct Ident<'a> {
    name: &'a str,
    ns: &'a str,
    app: &'a str,
    team: &'a str,
    env: &'a str,
}

impl Gen {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Gen { r: Rng::new(seed) }
    }

    fn labels(&mut self, app: &str, team: &str, env: &str) -> J {
        let r = &mut self.r;
        let mut lab = map! {
            "app.kubernetes.io/name" => app,
            "app.kubernetes.io/instance" => format!("{app}-{env}"),
            "app.kubernetes.io/part-of" => team,
            "app.kubernetes.io/managed-by" => r.pick(&["helm", "kustomize", "argocd"]),
            "team" => team,
            "env" => env,
        };
        if r.chance(0.5) {
            let v = format!("{}.{}.{}", r.range(1, 6), r.below(20), r.below(30));
            lab.set("app.kubernetes.io/version", v);
        }
        lab
    }

    fn annotations(&mut self) -> J {
        let r = &mut self.r;
        let mut ann = J::map();
        if r.chance(0.6) {
            ann.set("owner", format!("{}@example.com", r.pick(TEAMS)));
        }
        if r.chance(0.4) {
            ann.set("prometheus.io/scrape", "true");
            ann.set(
                "prometheus.io/port",
                r.pick(&[8080, 9090, 9100, 8443]).to_string(),
            );
        }
        if r.chance(0.2) {
            let n = r.range(20, 120) as usize;
            ann.set(
                "kubectl.kubernetes.io/last-applied-configuration",
                format!(
                    r#"{{"apiVersion": "v1", "kind": "Placeholder", "metadata": {{"name": "{}"}}}}"#,
                    "x".repeat(n)
                ),
            );
        }
        if r.chance(0.3) {
            ann.set(
                "deployment.kubernetes.io/revision",
                r.range(1, 400).to_string(),
            );
        }
        ann
    }

    fn meta(&mut self, id: &Ident<'_>, cluster_scoped: bool) -> J {
        let mut m = map! {"name" => id.name};
        if !cluster_scoped {
            m.set("namespace", id.ns);
        }
        let labels = self.labels(id.app, id.team, id.env);
        m.set("labels", labels);
        let ann = self.annotations();
        if ann != J::map() {
            m.set("annotations", ann);
        }
        m
    }

    fn image(&mut self) -> String {
        let r = &mut self.r;
        let reg = r.pick(REGISTRIES);
        let base = if r.chance(0.4) {
            r.pick(BASE_IMAGES).to_string()
        } else {
            format!("{}-{}", r.pick(TEAMS), r.pick(APPS))
        };
        let repo = if reg.is_empty() {
            base
        } else {
            format!("{reg}/{base}")
        };
        let u = r.random();
        if u < 0.10 {
            format!("{repo}:latest")
        } else if u < 0.14 {
            repo
        } else if u < 0.20 {
            format!("{repo}@sha256:{}", r.hex256())
        } else {
            format!("{repo}:{}.{}.{}", r.range(1, 9), r.below(30), r.below(40))
        }
    }

    fn resources(&mut self) -> Option<J> {
        let r = &mut self.r;
        let u = r.random();
        if u < 0.15 {
            return None;
        }
        let req = map! {
            "cpu" => format!("{}m", r.pick(&[50, 100, 200, 250, 500, 1000])),
            "memory" => format!("{}Mi", r.pick(&[64, 128, 256, 512, 1024, 2048])),
        };
        if u < 0.25 {
            return Some(map! {"requests" => req});
        }
        let cpu = format!("{}m", r.pick(&[500, 1000, 2000, 4000]));
        let mem = format!("{}Mi", r.pick(&[256, 512, 1024, 2048, 4096]));
        let mut lim = J::map();
        if u >= 0.32 {
            lim.set("cpu", cpu);
        }
        if !(0.32..0.36).contains(&u) {
            lim.set("memory", mem);
        }
        Some(map! {"requests" => req, "limits" => lim})
    }

    fn container_sc(&mut self) -> Option<J> {
        let r = &mut self.r;
        if r.chance(0.12) {
            return None;
        }
        let mut sc = J::map();
        if r.chance(0.04) {
            sc.set("privileged", true);
        }
        let u = r.random();
        if u < 0.55 {
            sc.set("allowPrivilegeEscalation", false);
        } else if u < 0.65 {
            sc.set("allowPrivilegeEscalation", true);
        }
        let u = r.random();
        if u < 0.55 {
            sc.set("runAsNonRoot", true);
        } else if u < 0.62 {
            sc.set("runAsNonRoot", false);
        }
        if r.chance(0.5) {
            sc.set("runAsUser", r.pick(&[1000_i64, 10001, 65532, 0, 101]));
        }
        if r.chance(0.5) {
            let ro = r.chance(0.8);
            sc.set("readOnlyRootFilesystem", ro);
        }
        let mut caps = J::map();
        if r.chance(0.6) {
            caps.set("drop", vec![J::from("ALL")]);
        } else if r.chance(0.2) {
            caps.set("drop", vec![J::from("NET_RAW")]);
        }
        if r.chance(0.12) {
            let k = r.range(1, 3) as usize;
            let add: Vec<J> = r.sample(CAPS_ADD, k).into_iter().map(J::from).collect();
            caps.set("add", add);
        }
        if caps != J::map() {
            sc.set("capabilities", caps);
        }
        if r.chance(0.35) {
            let t = r.pick(&[
                "RuntimeDefault",
                "RuntimeDefault",
                "Unconfined",
                "Localhost",
            ]);
            let mut p = map! {"type" => t};
            if t == "Localhost" {
                p.set("localhostProfile", "profiles/audit.json");
            }
            sc.set("seccompProfile", p);
        }
        Some(sc)
    }

    fn probe(&mut self, port: i64) -> J {
        let r = &mut self.r;
        let mut p = if r.chance(0.7) {
            let path = r.pick(&["/healthz", "/ready", "/live", "/health"]);
            map! {"httpGet" => map! {"path" => path, "port" => port}}
        } else {
            map! {"tcpSocket" => map! {"port" => port}}
        };
        p.set("initialDelaySeconds", r.pick(&[0_i64, 5, 10, 30]));
        p.set("periodSeconds", r.pick(&[5_i64, 10, 15]));
        p.set("timeoutSeconds", r.pick(&[1_i64, 2, 5]));
        p.set("failureThreshold", r.pick(&[3_i64, 5]));
        p
    }

    fn container(&mut self, idx: usize, volumes: &[String], allow_hostport: bool) -> J {
        let port = self
            .r
            .pick(&[80_i64, 443, 8080, 8443, 9000, 3000, 5000, 6379, 5432]);
        let name = format!("c{idx}-{}", self.r.pick(APPS));
        let image = self.image();
        let mut c = map! {"name" => name, "image" => image};
        let r = &mut self.r;
        if r.chance(0.7) {
            c.set(
                "imagePullPolicy",
                r.pick(&["IfNotPresent", "Always", "IfNotPresent"]),
            );
        }
        if r.chance(0.2) {
            let cmd = r.pick(&["/app/server", "/bin/sh", "python", "java", "node"]);
            c.set("command", vec![J::from(cmd)]);
            let k = r.range(1, 4) as usize;
            let flags = r.sample(&["port", "workers", "threads", "verbosity", "batch"], k);
            let args: Vec<J> = flags
                .into_iter()
                .map(|f| J::from(format!("--{f}={}", r.below(100))))
                .collect();
            c.set("args", args);
        }
        if r.chance(0.85) {
            let mut ports =
                vec![map! {"name" => "http", "containerPort" => port, "protocol" => "TCP"}];
            if r.chance(0.3) {
                ports.push(
                    map! {"name" => "metrics", "containerPort" => 9090_i64, "protocol" => "TCP"},
                );
            }
            if allow_hostport && r.chance(0.05) {
                ports[0].set("hostPort", port);
            }
            c.set("ports", ports);
        }
        let k = r.range(1, 6) as usize;
        let mut env = Vec::new();
        for n in r.sample(ENV_NAMES, k) {
            let u = r.random();
            if u < 0.7 {
                let long = "x".repeat(r.range(4, 40) as usize);
                let v = r.pick(&[
                    "info",
                    "8080",
                    "db.internal",
                    "true",
                    "30s",
                    "eu-west-1",
                    long.as_str(),
                ]);
                env.push(map! {"name" => n, "value" => v});
            } else if u < 0.85 {
                let secret = format!("{}-secret", n.to_lowercase().replace('_', "-"));
                env.push(map! {"name" => n, "valueFrom" => map! {
                "secretKeyRef" => map! {"name" => secret, "key" => "value"}}});
            } else {
                env.push(map! {"name" => n, "valueFrom" => map! {
                "configMapKeyRef" => map! {"name" => "app-config", "key" => n.to_lowercase()}}});
            }
        }
        c.set("env", env);
        if r.chance(0.2) {
            c.set(
                "envFrom",
                vec![map! {"configMapRef" => map! {"name" => "shared-env"}}],
            );
        }
        if let Some(res) = self.resources() {
            c.set("resources", res);
        }
        if self.r.chance(0.7) {
            let p = self.probe(port);
            c.set("livenessProbe", p);
        }
        if self.r.chance(0.4) {
            let p = self.probe(port);
            c.set("readinessProbe", p);
        }
        let r = &mut self.r;
        if !volumes.is_empty() && r.chance(0.8) {
            let k = r.range(1, volumes.len() as i64 + 1) as usize;
            let idx: Vec<usize> = (0..volumes.len()).collect();
            let mounts: Vec<J> = r
                .sample(&idx, k)
                .into_iter()
                .map(|i| {
                    let v = &volumes[i];
                    let mut m = map! {"name" => v.as_str(), "mountPath" => format!("/mnt/{v}")};
                    if r.chance(0.5) {
                        m.set("readOnly", true);
                    }
                    m
                })
                .collect();
            c.set("volumeMounts", mounts);
        }
        if let Some(sc) = self.container_sc() {
            c.set("securityContext", sc);
        }
        c
    }

    fn volumes(&mut self) -> Vec<J> {
        let r = &mut self.r;
        let mut vols = Vec::new();
        let n = r.pick(&[0, 1, 1, 2, 2, 3]);
        for i in 0..n {
            let u = r.random();
            vols.push(if u < 0.35 {
                map! {"name" => format!("config-{i}"), "configMap" => map! {"name" => format!("cfg-{}", r.below(100))}}
            } else if u < 0.6 {
                map! {"name" => format!("secret-{i}"), "secret" => map! {"secretName" => format!("sec-{}", r.below(100))}}
            } else if u < 0.85 {
                map! {"name" => format!("scratch-{i}"), "emptyDir" => J::map()}
            } else if u < 0.93 {
                map! {"name" => format!("data-{i}"), "persistentVolumeClaim" => map! {"claimName" => format!("pvc-{}", r.below(100))}}
            } else {
                let path = r.pick(HOST_PATHS);
                let ty = r.pick(&["Directory", "File", "Socket", "Directory"]);
                map! {"name" => format!("host-{i}"), "hostPath" => map! {"path" => path, "type" => ty}}
            });
        }
        vols
    }

    fn pod_spec(&mut self, app: &str) -> J {
        let mut spec = J::map();
        let r = &mut self.r;
        if r.chance(0.6) {
            spec.set("serviceAccountName", format!("{app}-sa"));
        }
        if r.chance(0.2) {
            spec.set("automountServiceAccountToken", false);
        }
        if r.chance(0.035) {
            spec.set("hostNetwork", true);
        }
        if r.chance(0.02) {
            spec.set("hostPID", true);
        }
        if r.chance(0.01) {
            spec.set("hostIPC", true);
        }
        let mut psc = J::map();
        if r.chance(0.45) {
            psc.set("runAsNonRoot", true);
        }
        if r.chance(0.4) {
            psc.set("runAsUser", r.pick(&[1000_i64, 10001, 65532]));
            psc.set("fsGroup", r.pick(&[1000_i64, 2000, 65532]));
        }
        if r.chance(0.35) {
            psc.set("seccompProfile", map! {"type" => "RuntimeDefault"});
        }
        if psc != J::map() {
            spec.set("securityContext", psc);
        }
        let vols = self.volumes();
        let names: Vec<String> = vols
            .iter()
            .filter_map(|v| v.get("name").and_then(J::as_str).map(str::to_string))
            .collect();
        let n = self.r.weighted(&[(1, 62), (2, 25), (3, 10), (4, 3)]);
        let containers: Vec<J> = (0..n).map(|i| self.container(i, &names, true)).collect();
        spec.set("containers", containers);
        if self.r.chance(0.15) {
            let init = self.container(9, &names, false);
            spec.set("initContainers", vec![init]);
        }
        if !vols.is_empty() {
            spec.set("volumes", vols);
        }
        let r = &mut self.r;
        if r.chance(0.3) {
            let pool = r.pick(&["general", "highmem", "gpu", "spot"]);
            spec.set(
                "nodeSelector",
                map! {"kubernetes.io/os" => "linux", "node-pool" => pool},
            );
        }
        if r.chance(0.25) {
            let team = r.pick(TEAMS);
            spec.set(
                "tolerations",
                vec![map! {"key" => "dedicated", "operator" => "Equal", "value" => team, "effect" => "NoSchedule"}],
            );
        }
        if r.chance(0.2) {
            spec.set(
                "affinity",
                map! {"podAntiAffinity" => map! {
                    "preferredDuringSchedulingIgnoredDuringExecution" => vec![map! {
                        "weight" => 100_i64,
                        "podAffinityTerm" => map! {
                            "topologyKey" => "kubernetes.io/hostname",
                            "labelSelector" => map! {"matchLabels" => map! {"app.kubernetes.io/name" => app}},
                        },
                    }],
                }},
            );
        }
        if r.chance(0.3) {
            spec.set(
                "terminationGracePeriodSeconds",
                r.pick(&[10_i64, 30, 60, 120]),
            );
        }
        spec
    }

    fn template(&mut self, id: &Ident<'_>) -> J {
        let spec = self.pod_spec(id.app);
        let mut meta = map! {"labels" => map! {"app.kubernetes.io/name" => id.app, "team" => id.team, "env" => id.env}};
        if self.r.chance(0.4) {
            meta.set("annotations", map! {"checksum/config" => self.r.hex256()});
        }
        map! {"metadata" => meta, "spec" => spec}
    }

    fn selector(app: &str) -> J {
        map! {"matchLabels" => map! {"app.kubernetes.io/name" => app}}
    }

    fn deployment(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let replicas = self.r.pick(&[1_i64, 2, 3, 3, 5, 10]);
        let template = self.template(id);
        map! {"apiVersion" => "apps/v1", "kind" => "Deployment", "metadata" => meta, "spec" => map! {
            "replicas" => replicas,
            "revisionHistoryLimit" => 5_i64,
            "selector" => Self::selector(id.app),
            "strategy" => map! {"type" => "RollingUpdate", "rollingUpdate" => map! {"maxSurge" => "25%", "maxUnavailable" => 0_i64}},
            "template" => template,
        }}
    }

    fn statefulset(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let replicas = self.r.pick(&[1_i64, 3, 5]);
        let template = self.template(id);
        let storage = format!("{}Gi", self.r.pick(&[10, 50, 100, 500]));
        map! {"apiVersion" => "apps/v1", "kind" => "StatefulSet", "metadata" => meta, "spec" => map! {
            "replicas" => replicas,
            "serviceName" => format!("{}-headless", id.name),
            "selector" => Self::selector(id.app),
            "template" => template,
            "volumeClaimTemplates" => vec![map! {"metadata" => map! {"name" => "data"}, "spec" => map! {
                "accessModes" => vec![J::from("ReadWriteOnce")],
                "storageClassName" => "gp3",
                "resources" => map! {"requests" => map! {"storage" => storage}},
            }}],
        }}
    }

    fn daemonset(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let template = self.template(id);
        map! {"apiVersion" => "apps/v1", "kind" => "DaemonSet", "metadata" => meta, "spec" => map! {
            "selector" => Self::selector(id.app),
            "updateStrategy" => map! {"type" => "RollingUpdate"},
            "template" => template,
        }}
    }

    fn cronjob(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let mut t = self.template(id);
        if let Some(spec) = t.get_mut("spec") {
            spec.set("restartPolicy", "OnFailure");
        }
        let schedule = format!("{} {} * * *", self.r.below(60), self.r.below(24));
        map! {"apiVersion" => "batch/v1", "kind" => "CronJob", "metadata" => meta, "spec" => map! {
            "schedule" => schedule,
            "concurrencyPolicy" => "Forbid",
            "successfulJobsHistoryLimit" => 3_i64,
            "failedJobsHistoryLimit" => 1_i64,
            "jobTemplate" => map! {"spec" => map! {"backoffLimit" => 2_i64, "template" => t}},
        }}
    }

    fn pod(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let spec = self.pod_spec(id.app);
        map! {"apiVersion" => "v1", "kind" => "Pod", "metadata" => meta, "spec" => spec}
    }

    fn service(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let r = &mut self.r;
        let typ = r.pick(&[
            "ClusterIP",
            "ClusterIP",
            "ClusterIP",
            "NodePort",
            "LoadBalancer",
        ]);
        let mut ports = vec![
            map! {"name" => "http", "port" => 80_i64, "targetPort" => "http", "protocol" => "TCP"},
        ];
        if r.chance(0.4) {
            ports.push(map! {"name" => "https", "port" => 443_i64, "targetPort" => 8443_i64, "protocol" => "TCP"});
        }
        if typ == "NodePort" {
            for p in &mut ports {
                p.set("nodePort", r.range(30000, 32768));
            }
        }
        map! {"apiVersion" => "v1", "kind" => "Service", "metadata" => meta, "spec" => map! {
            "type" => typ,
            "selector" => map! {"app.kubernetes.io/name" => id.app},
            "ports" => ports,
        }}
    }

    fn ingress(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let r = &mut self.r;
        let host = format!("{}.{}.example.com", id.app, id.env);
        let class = r.pick(&["nginx", "alb", "traefik"]);
        let k = r.range(1, 4) as usize;
        let paths: Vec<J> = r
            .sample(&["/", "/api", "/v1", "/v2", "/static"], k)
            .into_iter()
            .map(|p| {
                map! {"path" => p, "pathType" => "Prefix", "backend" => map! {"service" => map! {
                "name" => id.name, "port" => map! {"number" => 80_i64}}}}
            })
            .collect();
        let mut spec = map! {
            "ingressClassName" => class,
            "rules" => vec![map! {"host" => host.as_str(), "http" => map! {"paths" => paths}}],
        };
        if r.chance(0.75) {
            spec.set(
                "tls",
                vec![map! {"hosts" => vec![J::from(host.as_str())], "secretName" => format!("{}-tls", id.app)}],
            );
        }
        map! {"apiVersion" => "networking.k8s.io/v1", "kind" => "Ingress", "metadata" => meta, "spec" => spec}
    }

    fn netpol(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let r = &mut self.r;
        let pod_selector = if r.chance(0.8) {
            Self::selector(id.app)
        } else {
            J::map()
        };
        let egress = r.chance(0.5);
        let mut types = vec![J::from("Ingress")];
        if egress {
            types.push(J::from("Egress"));
        }
        let team = r.pick(TEAMS);
        let peer_app = r.pick(APPS);
        let port = r.pick(&[80_i64, 8080, 443]);
        let mut spec = map! {
            "podSelector" => pod_selector,
            "policyTypes" => types,
            "ingress" => vec![map! {
                "from" => vec![
                    map! {"namespaceSelector" => map! {"matchLabels" => map! {"team" => team}}},
                    map! {"podSelector" => map! {"matchLabels" => map! {"app.kubernetes.io/name" => peer_app}}},
                ],
                "ports" => vec![map! {"protocol" => "TCP", "port" => port}],
            }],
        };
        if egress {
            spec.set(
                "egress",
                vec![map! {
                    "to" => vec![map! {"ipBlock" => map! {"cidr" => "10.0.0.0/8", "except" => vec![J::from("10.1.0.0/16")]}}],
                    "ports" => vec![map! {"protocol" => "TCP", "port" => 5432_i64}],
                }],
            );
        }
        map! {"apiVersion" => "networking.k8s.io/v1", "kind" => "NetworkPolicy", "metadata" => meta, "spec" => spec}
    }

    fn rbac_rules(&mut self) -> Vec<J> {
        let r = &mut self.r;
        let n = r.range(1, 5);
        (0..n)
            .map(|_| {
                if r.chance(0.06) {
                    map! {"apiGroups" => vec![J::from("*")], "resources" => vec![J::from("*")], "verbs" => vec![J::from("*")]}
                } else {
                    let group = r.pick(&["", "apps", "batch", "networking.k8s.io"]);
                    let k = r.range(1, 4) as usize;
                    let res = r.sample(
                        &["pods", "services", "configmaps", "secrets", "deployments", "jobs", "endpoints"],
                        k,
                    );
                    let k = r.range(1, 5) as usize;
                    let verbs = r.sample(
                        &["get", "list", "watch", "create", "update", "patch", "delete"],
                        k,
                    );
                    map! {
                        "apiGroups" => vec![J::from(group)],
                        "resources" => res.into_iter().map(J::from).collect::<Vec<_>>(),
                        "verbs" => verbs.into_iter().map(J::from).collect::<Vec<_>>(),
                    }
                }
            })
            .collect()
    }

    fn role(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let rules = self.rbac_rules();
        map! {"apiVersion" => "rbac.authorization.k8s.io/v1", "kind" => "Role", "metadata" => meta, "rules" => rules}
    }

    fn clusterrole(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, true);
        let rules = self.rbac_rules();
        map! {"apiVersion" => "rbac.authorization.k8s.io/v1", "kind" => "ClusterRole", "metadata" => meta, "rules" => rules}
    }

    fn rolebinding(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let r = &mut self.r;
        let kind = r.pick(&["Role", "ClusterRole"]);
        let name = r.pick(&[id.name, "view", "edit", "cluster-admin"]);
        map! {"apiVersion" => "rbac.authorization.k8s.io/v1", "kind" => "RoleBinding", "metadata" => meta,
            "roleRef" => map! {"apiGroup" => "rbac.authorization.k8s.io", "kind" => kind, "name" => name},
            "subjects" => vec![map! {"kind" => "ServiceAccount", "name" => format!("{}-sa", id.app), "namespace" => id.ns}],
        }
    }

    fn configmap(&mut self, id: &Ident<'_>) -> J {
        let meta = self.meta(id, false);
        let r = &mut self.r;
        let mut data = J::map();
        let k = r.range(2, 8) as usize;
        for n in r.sample(ENV_NAMES, k) {
            let v = r.pick(&["true", "false", "info", "30", "db.internal:5432"]);
            data.set(&n.to_lowercase(), v);
        }
        if r.chance(0.4) {
            let k = r.range(3, 12) as usize;
            let mut props = String::new();
            for n in r.sample(ENV_NAMES, k) {
                props.push_str(&format!("{}.setting={}\n", n.to_lowercase(), r.below(1000)));
            }
            data.set("app.properties", props);
        }
        map! {"apiVersion" => "v1", "kind" => "ConfigMap", "metadata" => meta, "data" => data}
    }

    /// The next object.
    pub fn object(&mut self) -> J {
        let r = &mut self.r;
        let kind = r.weighted(KINDS);
        let team = r.pick(TEAMS);
        let app = format!("{team}-{}", r.pick(APPS));
        let env = r.pick(ENVS);
        let ns = if r.chance(0.9) {
            format!("{team}-{env}")
        } else {
            "default".to_string()
        };
        let name = format!("{app}-{:04}", r.below(10000));
        let id = Ident {
            name: &name,
            ns: &ns,
            app: &app,
            team,
            env,
        };
        match kind {
            "Deployment" => self.deployment(&id),
            "StatefulSet" => self.statefulset(&id),
            "DaemonSet" => self.daemonset(&id),
            "CronJob" => self.cronjob(&id),
            "Pod" => self.pod(&id),
            "Service" => self.service(&id),
            "Ingress" => self.ingress(&id),
            "NetworkPolicy" => self.netpol(&id),
            "Role" => self.role(&id),
            "ClusterRole" => self.clusterrole(&id),
            "RoleBinding" => self.rolebinding(&id),
            _ => self.configmap(&id),
        }
    }
}

/// `n` objects from `seed`.
pub fn objects(n: usize, seed: u64) -> Vec<J> {
    let mut g = Gen::new(seed);
    (0..n).map(|_| g.object()).collect()
}

/// The seed of the 1k reference corpus.
pub const SEED_1K: u64 = 42;
/// The seed of the 10k reference corpus.
pub const SEED_10K: u64 = 43;

/// The seed used for a corpus of `n` objects: the reference seeds for 1k and 10k.
pub fn seed_for(n: usize) -> u64 {
    if n == 1000 { SEED_1K } else { SEED_10K }
}

/// `n` objects as one multi-document YAML stream (`---` between documents).
pub fn yaml(n: usize, seed: u64) -> String {
    let mut out = String::with_capacity(n * 2000);
    for (i, o) in objects(n, seed).iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        write_yaml(&mut out, o);
    }
    out
}
