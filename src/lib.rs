#![doc = include_str!("../README.md")]

pub mod catalog;
pub mod config;
pub mod date;
pub mod explain;
pub mod output;
#[cfg(feature = "rego")]
pub mod rego;
mod review;
mod scan;
pub mod waiver;
pub(crate) mod walk;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use walk::collect_files;

pub use config::{Config, ConfigError, ConfigErrors};
pub use date::Date;
pub use scan::{Checked, Progress, Scan, ScanPart, ScanSink, ScanStart, Skipped, Tee};

use policy_core::RuleSetOptions;
pub use policy_core::backend::{Catalog, Entry, Locator, PathStep, RuleBackend};
pub use policy_core::testing::{CaseResult, TestReport};
pub use policy_core::{
    Document, EvalError, Explanation, Finding, Layer, LineCols, LoadError, LoadOptions, Loaded,
    ParamError, Place, Related, Report, ResourceId, RuleMeta, RuleSet, Severity, Source, Span,
    Value, YamlCompat,
};
pub use policy_lang::{CompileErrors, Diagnostic, Label, Level};
/// The folder the standard library's rule files are named under in diagnostics, findings and
/// test results (`stdlib/cluster/pod-security.fourc`).
pub use stdlib_rules::PREFIX as STDLIB_PREFIX;

/// Input formats: what fourc reads, and how an embedder adds a format of its own
/// ([`EngineBuilder::input_format`]).
pub mod input {
    pub use policy_core::input::{Confidence, Formats, InputFormat, Kubernetes, SNIFF_BYTES, head};
    /// Reads YAML or JSON text into documents with spans (the reader the Kubernetes format uses;
    /// formats of JSON or YAML reports reuse it).
    pub use policy_core::yaml::load_str as load_yaml;
}

/// Normalized views: one shape for many document types, and how an embedder adds a view
/// ([`EngineBuilder::view`]).
pub mod view {
    pub use policy_core::view::{
        Provenance, TypeKey, View, ViewBuilder, Views, WORKLOAD, Workload,
    };
}

/// The value model of documents and parameters: a [`Node`] is a value with its
/// span and identity.
pub mod value {
    pub use policy_core::value::{List, Map, MapBuilder, Node, NodeId, Span, Str, Value};
}

/// The 4C control catalogue: every recommendation of the model as a control.
pub mod controls {
    pub use policy_core::controls::{CONTROLS, Control, find};
}

pub use value::Node;

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Rules that do not compile; every diagnostic is inside.
    #[error(transparent)]
    Compile(#[from] CompileErrors),
    /// A version a profile does not know, as in `Engine::builder().pss_version("12")`: the
    /// rules would otherwise silently apply some other version's checks.
    #[error("unknown {profile} version `{version}`: {help}")]
    ProfileVersion {
        /// The profile.
        profile: String,
        /// The version given.
        version: String,
        /// What a version looks like.
        help: String,
    },
    /// A profile or a level that no rule pack declares, as in
    /// `Engine::builder().profile("pod-security", "strict")`.
    #[error("unknown profile level `{profile}:{level}`: {help}")]
    Profile {
        /// The profile named.
        profile: String,
        /// The level named.
        level: String,
        /// The profiles and levels there are.
        help: String,
    },
    /// A parameter value that no rule declares, or of the wrong type.
    #[error(transparent)]
    Param(#[from] ParamError),
    /// Settings that do not fit the rules: an unknown rule or control, a parameter of the wrong
    /// type, a waiver naming no rule. Each error names its line of `fourc.yaml`.
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    /// A native function registered under a builtin's name, as in
    /// `Engine::builder().function("lower", ...)`.
    #[error("a native function cannot be called `{name}`: a builtin has that name")]
    Function {
        /// The name given.
        name: String,
    },
    /// `--input-format` named no registered format.
    #[error("unknown input format `{name}`: the formats are {known}")]
    InputFormat {
        /// The name given.
        name: String,
        /// The registered formats.
        known: String,
    },
    /// A Gatekeeper ConstraintTemplate or Constraint that cannot be used: Rego that does not
    /// compile, a Constraint of a kind no template defines. Names the file and line.
    #[cfg(feature = "rego")]
    #[error(transparent)]
    Rego(#[from] rego::RegoError),
    /// A rules folder that could not be read.
    #[error("cannot read rules from `{path}`: {message}")]
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        message: String,
    },
}

/// Profiles: levelled selections of rules that rule packs declare; the standard library
/// declares Pod Security's.
pub mod profile {
    pub use policy_core::profile::{Profile, ProfileLevel};
    /// The standard library's Pod Security profile: its name, tags, parameters and versions.
    pub use stdlib_rules::pod_security;
}

/// A level of the standard library's Pod Security profile (a typed shorthand for
/// [`EngineBuilder::profile`] with `pod-security`): `restricted` includes `baseline`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PssLevel {
    /// The baseline level: rules tagged `pss-baseline`.
    Baseline,
    /// The restricted level: rules tagged `pss-baseline` or `pss-restricted`.
    #[default]
    Restricted,
}

impl PssLevel {
    /// The level's name: `baseline` or `restricted`.
    pub fn as_str(self) -> &'static str {
        match self {
            PssLevel::Baseline => "baseline",
            PssLevel::Restricted => "restricted",
        }
    }
}

/// Builds an [`Engine`]: add rule sources and parameter values, then [`EngineBuilder::build`].
#[derive(Clone, Debug)]
pub struct EngineBuilder {
    stdlib: bool,
    /// The profiles rule packs declare, and the level selected of each.
    profiles: Vec<policy_core::profile::Profile>,
    levels: Vec<(String, String)>,
    /// Rule selection, severities, parameters, exclusions and waivers, checked at build.
    settings: Config,
    today: Option<Date>,
    sources: Vec<(String, String, String)>,
    params: Vec<(String, Value)>,
    load: LoadOptions,
    io_error: Option<(String, String)>,
    formats: policy_core::input::Formats,
    input_format: Option<String>,
    views: policy_core::view::Views,
    backends: Vec<Arc<dyn RuleBackend>>,
    natives: Vec<policy_core::builtins::Native>,
    /// Rule folders and files that are never inputs when met in a scanned folder.
    not_inputs: Vec<PathBuf>,
    /// Gatekeeper policy files (name, text) found in rule folders.
    #[cfg(feature = "rego")]
    rego_files: Vec<(String, String)>,
    /// conftest `.rego` files (name, text) found in rule folders.
    #[cfg(feature = "rego")]
    conftest_files: Vec<(String, String)>,
    /// The rule files read so far (canonical paths), so a file named twice (a folder given as
    /// a flag and in `fourc.yaml`) is compiled once.
    files_read: std::collections::HashSet<std::path::PathBuf>,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            stdlib: true,
            profiles: stdlib_rules::profiles(),
            levels: Vec::new(),
            settings: Config::default(),
            today: None,
            sources: Vec::new(),
            params: Vec::new(),
            load: LoadOptions::default(),
            io_error: None,
            formats: policy_core::input::Formats::standard(),
            input_format: None,
            views: policy_core::view::Views::standard(),
            backends: Vec::new(),
            not_inputs: Vec::new(),
            natives: Vec::new(),
            #[cfg(feature = "rego")]
            rego_files: Vec::new(),
            #[cfg(feature = "rego")]
            conftest_files: Vec::new(),
            files_read: std::collections::HashSet::new(),
        }
    }
}

impl EngineBuilder {
    /// Whether to include the embedded standard library (on by default).
    pub fn stdlib(mut self, on: bool) -> Self {
        self.stdlib = on;
        self
    }

    /// Adds a rule source; `name` is used in diagnostics and gives the module name
    /// (`lib/k8s.fourc` is module `lib.k8s`).
    pub fn rule_source(mut self, name: &str, text: &str) -> Self {
        self.sources.push((
            policy_lang::module_name(name),
            name.to_string(),
            text.to_string(),
        ));
        self
    }

    /// Adds the rule file at `path`, named by its path (which gives its module name, as in
    /// [`EngineBuilder::rule_source`]). A file already added through this method or
    /// [`EngineBuilder::rules_dir`] is not added again; one that cannot be read fails the build
    /// with [`BuildError::Io`].
    pub fn rule_file(mut self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        if !self.first_read(path) {
            return self;
        }
        match std::fs::read_to_string(path) {
            Ok(text) => self.rule_source(&path.display().to_string(), &text),
            Err(e) => {
                self.io_error = Some((path.display().to_string(), e.to_string()));
                self
            }
        }
    }

    /// Records that `path` is read; false when it was already.
    fn first_read(&mut self, path: &Path) -> bool {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.files_read.insert(key)
    }

    /// Adds every `.fourc` file under `dir`, recursively, in path order. Module names are the
    /// paths relative to `dir`. With the `rego` feature, `.yaml` and `.yml` files holding
    /// Gatekeeper ConstraintTemplates or Constraints, and conftest-style `.rego` files, are
    /// loaded too (see [`rego`]); other YAML files are left alone. Files already added (the same
    /// folder given twice) are not added again.
    pub fn rules_dir(mut self, dir: impl AsRef<Path>) -> Self {
        let dir = dir.as_ref();
        self.not_inputs.push(dir.to_path_buf());
        let mut files = Vec::new();
        let errors = collect_files(dir, &mut files, &|p| {
            p.extension().is_some_and(|e| {
                e == policy_lang::EXTENSION
                    || (cfg!(feature = "rego") && (e == "yaml" || e == "yml" || e == "rego"))
            })
        });
        if let Some(e) = errors.first() {
            self.io_error = Some((e.path.display().to_string(), e.error.to_string()));
            return self;
        }
        for f in files {
            if !self.first_read(&f) {
                continue;
            }
            match std::fs::read_to_string(&f) {
                #[cfg(feature = "rego")]
                Ok(text) if f.extension().is_some_and(|e| e == "yaml" || e == "yml") => {
                    if rego::is_policy_yaml(&text) {
                        self.rego_files.push((f.display().to_string(), text));
                    }
                }
                #[cfg(feature = "rego")]
                Ok(text) if f.extension().is_some_and(|e| e == "rego") => {
                    self.conftest_files.push((f.display().to_string(), text));
                }
                Ok(text) => {
                    let rel = f.strip_prefix(dir).unwrap_or(&f);
                    let module = policy_lang::module_name(&rel.to_string_lossy());
                    self.sources.push((module, f.display().to_string(), text));
                }
                Err(e) => {
                    self.io_error = Some((f.display().to_string(), e.to_string()));
                }
            }
        }
        self
    }

    /// Overrides a parameter's default; checked against its declared type at build.
    pub fn param(mut self, name: &str, value: Value) -> Self {
        self.params.push((name.to_string(), value));
        self
    }

    /// Declares a profile (a rule pack's levelled selection of its rules); one of the same name
    /// is replaced.
    pub fn declare_profile(mut self, profile: policy_core::profile::Profile) -> Self {
        self.profiles.retain(|p| p.name != profile.name);
        self.profiles.push(profile);
        self
    }

    /// Selects a level of a profile: the profile's rules that the level does not include are
    /// left out. An unknown profile or level fails the build with [`BuildError::Profile`].
    pub fn profile(mut self, profile: &str, level: &str) -> Self {
        self.levels.retain(|(p, _)| p != profile);
        self.levels.push((profile.to_string(), level.to_string()));
        self
    }

    /// Selects the version of a versioned profile's checks, as the parameter its rules read; a
    /// version the profile does not know fails the build with [`BuildError::ProfileVersion`].
    pub fn profile_version(self, profile: &str, version: &str) -> Self {
        let param = self
            .profiles
            .iter()
            .find(|p| p.name == profile)
            .and_then(|p| p.version_param);
        match param {
            Some(param) => self.param(param, Value::string(version)),
            None => self,
        }
    }

    /// Selects the Pod Security level; `baseline` leaves out the restricted-only rules.
    pub fn pss_level(self, level: PssLevel) -> Self {
        self.profile(profile::pod_security::NAME, level.as_str())
    }

    /// Selects the Pod Security Standards version (`v1.0` to `v1.37`, or `latest`), as the
    /// `pss_version` parameter the Pod Security rules read. Any other text (`12`, `1.25`,
    /// `v1.025`) makes [`EngineBuilder::build`] fail with [`BuildError::ProfileVersion`], rather
    /// than silently apply some version's checks.
    pub fn pss_version(self, version: &str) -> Self {
        self.profile_version(profile::pod_security::NAME, version)
    }

    /// Leaves out a rule by id; an unknown id fails the build.
    pub fn disable_rule(self, id: &str) -> Self {
        self.config(Config::default().disable_rule(id))
    }

    /// Leaves out every rule that serves a control (and no other enabled control); an unknown
    /// key fails the build.
    pub fn disable_control(self, key: &str) -> Self {
        self.config(Config::default().disable_control(key))
    }

    /// Marks a file or folder that is never read as an input when a scanned folder holds it: a
    /// report this run writes, say. (Rule folders and the settings file are already left out; a
    /// path named directly as an input is still read.)
    pub fn not_input(mut self, path: impl AsRef<Path>) -> Self {
        self.not_inputs.push(path.as_ref().to_path_buf());
        self
    }

    /// Applies project settings (see [`config`]): the Pod Security level and version, the
    /// standard library switch and rule folders take effect here; rule selection, severities,
    /// parameters, exclusions and waivers are checked against the compiled rules at build.
    /// Settings given later win where only one value can hold.
    pub fn config(mut self, mut config: Config) -> Self {
        if let Some(level) = config.pss_level {
            self = self.pss_level(level);
        }
        if let Some(v) = config.pss_version.take() {
            if v.value == "latest" {
                // The default: setting it would fail on rules that do not declare it.
                self.params
                    .retain(|(name, _)| name != profile::pod_security::PARAM_VERSION);
            } else {
                self = self.pss_version(&v.value);
            }
        }
        if let Some(on) = config.stdlib {
            self = self.stdlib(on);
        }
        if let Some(file) = config.file() {
            self.not_inputs.push(file.to_path_buf());
        }
        self.not_inputs.append(&mut config.not_inputs);
        for dir in std::mem::take(&mut config.rule_dirs) {
            self = self.rules_dir(dir);
        }
        for file in std::mem::take(&mut config.tf_var_files) {
            self = self.terraform_var_file(file);
        }
        self.settings.merge(config);
        self
    }

    /// Sets the date waivers expire against (the system clock's by default).
    pub fn today(mut self, date: Date) -> Self {
        self.today = Some(date);
        self
    }

    /// Sets the YAML scalar resolution (Kubernetes' YAML 1.1 by default).
    pub fn yaml_compat(mut self, compat: YamlCompat) -> Self {
        self.load.compat = compat;
        self
    }

    /// Registers an input format: files it recognises are read with it (see
    /// [`InputFormat`](input::InputFormat)).
    pub fn input_format(mut self, format: Arc<dyn policy_core::input::InputFormat>) -> Self {
        self.formats.register(format);
        self
    }

    /// Registers a normalized view that rules select by its name (`on NAME as x`); a view of the
    /// same name is replaced (see [`View`](view::View)).
    pub fn view(mut self, view: Arc<dyn policy_core::view::View>) -> Self {
        self.views.register(view);
        self
    }

    /// Registers a native function that rules call by `name`, as they call builtins, with
    /// `min_args` to `max_args` arguments. `signature` describes it in messages
    /// (`ticket_open(id: string) -> bool`). The function gets each argument's value (`None`
    /// when undefined) and returns a value, `Ok(None)` for undefined, or an error message, which
    /// becomes an evaluation error of that rule on that document. A name that a builtin already
    /// has fails the build.
    pub fn function<F>(
        mut self,
        name: &str,
        min_args: usize,
        max_args: usize,
        signature: &str,
        f: F,
    ) -> Self
    where
        F: Fn(&[Option<&Value>]) -> Result<Option<Value>, String> + Send + Sync + 'static,
    {
        let func = move |args: &[Option<&Value>]| {
            f(args).map_err(policy_core::builtins::BuiltinError::new)
        };
        self.natives.retain(|n| &*n.name != name);
        self.natives.push(policy_core::builtins::Native {
            name: Arc::from(name),
            min_args,
            max_args: max_args.max(min_args),
            signature: Arc::from(signature),
            func: Arc::new(func),
        });
        self
    }

    /// Adds a rule backend: rules in another language, evaluated beside the rule language's in
    /// the same scan and report. Its rules join the catalogue, so selection, severity
    /// overrides, waivers and `fourc rules` treat them as any other rule.
    pub fn backend(mut self, backend: Arc<dyn RuleBackend>) -> Self {
        self.backends.push(backend);
        self
    }

    /// Reads every input with the format called `name`, whatever its name or content says
    /// (`--input-format`); an unknown name fails the build.
    pub fn force_input_format(mut self, name: &str) -> Self {
        self.input_format = Some(name.to_string());
        self
    }

    /// Applies a Terraform variable file to every Terraform root folder read, after
    /// `terraform.tfvars` and `*.auto.tfvars` (as `terraform plan -var-file`; repeatable, later
    /// files winning). A file that cannot be read or parsed is a load error of each scan.
    pub fn terraform_var_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.load.tf_var_files.push(path.into());
        self
    }

    /// Sets the loading limits.
    pub fn load_options(mut self, load: LoadOptions) -> Self {
        self.load = load;
        self
    }

    /// Adds a Gatekeeper policy file (ConstraintTemplates and Constraints) by name and text.
    #[cfg(feature = "rego")]
    pub fn rego_source(mut self, name: &str, text: &str) -> Self {
        self.rego_files.push((name.to_string(), text.to_string()));
        self
    }

    /// Adds a conftest-style Rego policy (`deny`, `violation`, `warn` rules) by name and text.
    #[cfg(feature = "rego")]
    pub fn conftest_source(mut self, name: &str, text: &str) -> Self {
        self.conftest_files
            .push((name.to_string(), text.to_string()));
        self
    }

    /// Compiles every rule source. Nothing is read before the rules compile.
    pub fn build(
        #[allow(unused_mut, reason = "mutated with the rego feature")] mut self,
    ) -> Result<Engine, BuildError> {
        #[cfg(feature = "rego")]
        if !self.rego_files.is_empty() {
            let backend = rego::RegoBackend::load(&self.rego_files)?;
            if !backend.is_empty() {
                self.backends.push(Arc::new(backend));
            }
        }
        #[cfg(feature = "rego")]
        if !self.conftest_files.is_empty() {
            let namespaces = if self.settings.conftest_all == Some(true) {
                rego::Namespaces::All
            } else {
                self.settings
                    .conftest_namespaces
                    .clone()
                    .map_or_else(rego::Namespaces::default, rego::Namespaces::Only)
            };
            let backend = rego::ConftestBackend::load(&self.conftest_files, &namespaces)?;
            if !backend.is_empty() {
                self.backends.push(Arc::new(backend));
            }
        }
        if let Some((path, message)) = self.io_error {
            return Err(BuildError::Io { path, message });
        }
        if let Some(name) = &self.input_format
            && self.formats.get(name).is_none()
        {
            return Err(BuildError::InputFormat {
                name: name.clone(),
                known: self.formats.names().join(", "),
            });
        }
        check_versions(&self.profiles, &self.params)?;
        let levels = select_levels(&self.profiles, &self.levels)?;
        if let Some(n) = self
            .natives
            .iter()
            .find(|n| policy_core::builtins::lookup(&n.name).is_some())
        {
            return Err(BuildError::Function {
                name: n.name.to_string(),
            });
        }
        let mut c = policy_lang::RuleCompiler::new();
        c.views(self.views.names());
        for n in &self.natives {
            c.native(n.clone());
        }
        if self.stdlib {
            for (path, text) in stdlib_rules::SOURCES {
                let name = format!("{}/{path}", stdlib_rules::PREFIX);
                c.add_module(&policy_lang::module_name(path), &name, text);
            }
        }
        for (module, name, text) in &self.sources {
            c.add_module(module, name, text);
        }
        let compiled = c.compile()?;
        // Checked against every rule of every backend, before any is left out.
        let ids: Vec<&str> = compiled
            .program
            .rules
            .iter()
            .map(|r| &*r.meta.id)
            .chain(
                self.backends
                    .iter()
                    .flat_map(|b| b.rules().iter().map(|m| &*m.id)),
            )
            .collect();
        let mut plan = config::Plan::new(
            &self.settings,
            &compiled.program,
            &ids,
            self.today.unwrap_or_else(Date::today),
        )?;
        // Settings' parameters first, so values given to `param` win.
        check_versions(&self.profiles, &plan.params)?;
        let mut params = std::mem::take(&mut plan.params);
        params.extend(self.params);
        for (p, level) in &levels {
            if let Some(param) = p.level_param
                && compiled.program.params.iter().any(|d| &*d.name == param)
            {
                // Last, so it wins: the level also chooses which rules run.
                params.push((param.to_string(), Value::string(level.name)));
            }
        }
        let rules = Arc::new(RuleSet::new(
            Arc::new(compiled.program),
            RuleSetOptions {
                params,
                views: self.views,
                ..RuleSetOptions::default()
            },
        )?);
        let mut backends: Vec<Arc<dyn RuleBackend>> = vec![rules.clone()];
        backends.extend(self.backends);
        let catalog = Catalog::new(&backends, &|m: &RuleMeta| {
            let kept = levels.iter().all(|(p, level)| p.keeps(level, m));
            kept.then(|| plan.select(m)).flatten()
        });
        if catalog.rules().next().is_none() {
            plan.review.settings_notices.push(waiver::Notice {
                kind: waiver::NoticeKind::NoRules,
                message: "no rule is enabled: the scan checks nothing".to_string(),
                location: None,
            });
        }
        Ok(Engine {
            rules,
            backends,
            catalog,
            formats: self.formats,
            input_format: self.input_format,
            load: self.load,
            warnings: compiled.warnings,
            review: plan.review,
            not_inputs: self.not_inputs,
            profiles: self.profiles,
            keep_text: true,
        })
    }
}

/// Fails on a version parameter value that its profile does not know.
fn check_versions(
    profiles: &[policy_core::profile::Profile],
    params: &[(String, Value)],
) -> Result<(), BuildError> {
    for (name, value) in params {
        for p in profiles {
            if p.version_param == Some(name.as_str())
                && let Some(v) = value.as_str()
                && !p.accepts_version(v)
            {
                return Err(BuildError::ProfileVersion {
                    profile: p.name.to_string(),
                    version: v.to_string(),
                    help: p.version_help.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// The level of every declared profile: the one selected, else its default.
fn select_levels<'p>(
    profiles: &'p [policy_core::profile::Profile],
    selected: &[(String, String)],
) -> Result<
    Vec<(
        &'p policy_core::profile::Profile,
        &'p policy_core::profile::ProfileLevel,
    )>,
    BuildError,
> {
    let known = || {
        profiles
            .iter()
            .map(|p| {
                let levels: Vec<&str> = p.levels.iter().map(|l| l.name).collect();
                format!("{} ({})", p.name, levels.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    for (p, level) in selected {
        let ok = profiles
            .iter()
            .find(|d| d.name == p)
            .is_some_and(|d| d.level(level).is_some());
        if !ok {
            return Err(BuildError::Profile {
                profile: p.clone(),
                level: level.clone(),
                help: format!("the profiles are {}", known()),
            });
        }
    }
    Ok(profiles
        .iter()
        .filter_map(|p| {
            let name = selected
                .iter()
                .find(|(n, _)| n == p.name)
                .map_or(p.default_level, |(_, l)| l.as_str());
            p.level(name).map(|l| (p, l))
        })
        .collect())
}

/// A compiled engine: immutable, `Send + Sync`, shareable across threads.
#[derive(Debug)]
pub struct Engine {
    /// The rule language's backend (also the first of `backends`).
    rules: Arc<RuleSet>,
    backends: Vec<Arc<dyn RuleBackend>>,
    catalog: Catalog,
    formats: policy_core::input::Formats,
    input_format: Option<String>,
    load: LoadOptions,
    warnings: Vec<Diagnostic>,
    review: review::Review,
    /// Paths never read from a scanned folder (rule folders, the settings file, this run's
    /// reports), compared by their canonical form when a scan starts.
    not_inputs: Vec<PathBuf>,
    /// The profiles rule packs declare.
    profiles: Vec<policy_core::profile::Profile>,
    /// Whether sources keep their text once loaded (for reports that show source lines).
    keep_text: bool,
}

impl Engine {
    /// A builder with the standard library on.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::default()
    }

    /// Whether the files a scan reads keep their text once loaded (on by default). The text
    /// report and the HTML page show the source line of each finding and need it; JSON, SARIF
    /// and JUnit do not, and a scan for them alone can free each file's text when its documents
    /// are built (a text that is not all ASCII is kept: its columns count characters). Lines
    /// and columns are exact either way.
    pub fn keep_source_text(mut self, on: bool) -> Self {
        self.keep_text = on;
        self
    }

    /// The profiles the rule packs declare (the standard library's Pod Security profile, and
    /// any [`EngineBuilder::declare_profile`] added).
    pub fn profiles(&self) -> &[policy_core::profile::Profile] {
        &self.profiles
    }

    /// The compiled rule set.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Compile warnings.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The loading options.
    pub fn load_options(&self) -> &LoadOptions {
        &self.load
    }

    /// The rules' findings on already loaded documents, before exclusions and waivers (what a
    /// benchmark or a differential test compares); [`Engine::evaluate`] is what a scan reports.
    /// Every backend runs the rules of the catalogue it holds; findings carry the catalogue's
    /// metadata (with severity overrides).
    pub fn evaluate_unreviewed(&self, docs: &[Document]) -> Report {
        let mut all = Report {
            documents: docs.len(),
            ..Report::default()
        };
        for (b, backend) in self.backends.iter().enumerate() {
            let mask = self.catalog.mask(b, backend.rules().len());
            if !mask.contains(&true) {
                continue;
            }
            let report = backend.evaluate(docs, &mask);
            all.findings.extend(report.findings.into_iter().map(|f| {
                match self.catalog.get(&f.rule().id) {
                    Some(e) if !Arc::ptr_eq(&e.meta, f.rule()) => f.with_rule(e.meta.clone()),
                    _ => f,
                }
            }));
            all.errors.extend(report.errors.into_iter().map(
                |e| match self.catalog.get(&e.rule().id) {
                    Some(c) if !Arc::ptr_eq(&c.meta, e.rule()) => e.with_rule(c.meta.clone()),
                    _ => e,
                },
            ));
        }
        if self.backends.len() > 1 {
            policy_core::ruleset::sort_report(&mut all);
        }
        all
    }

    /// The rules this engine runs, of every backend, with the settings applied.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The rules a document is put through (whose `on` clause matches it), from every backend.
    pub fn applicable(&self, doc: &Document) -> Vec<Arc<RuleMeta>> {
        let mut out = Vec::new();
        for (b, backend) in self.backends.iter().enumerate() {
            for i in backend.applicable(doc) {
                if let Some(m) = self.catalog.meta(b, i) {
                    out.push(m.clone());
                }
            }
        }
        out
    }

    /// Runs the rules' `test` blocks. File fixtures are resolved relative to their rule file.
    /// The cases of a rule the settings leave out (a disabled rule, a Pod Security rule above
    /// the selected level) are reported as skipped; parameters set by the settings apply.
    pub fn run_tests(&self) -> TestReport {
        self.run_tests_where(&|_| true)
    }

    /// Runs the test cases that `keep` selects (it sees each case's rule, name, file and line
    /// before the case runs), as [`Engine::run_tests`] does; the others are left out of the
    /// report.
    pub fn run_tests_where(&self, keep: &dyn Fn(&CaseResult) -> bool) -> TestReport {
        use policy_core::testing::Selection;
        policy_core::testing::run_tests_with(&self.rules, None, &self.load, &|c| {
            if !keep(c) {
                Selection::Omit
            } else if self.catalog.get(&c.rule).is_none() {
                Selection::Skip
            } else {
                Selection::Run
            }
        })
    }
}

fn io_error(p: &Path, e: &std::io::Error) -> LoadError {
    LoadError::new(&p.display().to_string(), 0, 0, format!("cannot read: {e}")).with_path(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
        assert_send_sync::<Scan>();
    }
}
