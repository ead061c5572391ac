//! Input formats: what fourc can read, as a registry.
//!
//! A format names itself, recognises files by name and content ([`InputFormat::sniff`]: a
//! Terraform plan, a SARIF log and a Kubernetes object are all `.json`), and loads a source into
//! [`Document`]s whose nodes carry their spans. The standard registry holds the Kubernetes format
//! ([`Kubernetes`]); embedders register their own with [`Formats::register`]. A file that no
//! format recognises is not read: the caller reports it as skipped, with the reason
//! [`Formats::detect`] gives.
//!
//! [`Document`]: crate::Document

pub mod cloudformation;
mod connaisseur;
pub mod describe;
mod dockerfile;
mod kubernetes;
pub mod reports;
#[cfg(feature = "terraform")]
pub mod terraform;
pub mod tfplan;
mod tree;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

pub use connaisseur::{CONNAISSEUR_VALUES, ConnaisseurValues};
pub use dockerfile::{DOCKERFILE, DOCKERFILE_IMAGE, Dockerfile, is_dockerfile_name};
pub use kubernetes::Kubernetes;

use crate::document::{LoadOptions, Loaded, Source};

/// The Terraform variable files named in `opts` that cannot be read or parsed, each an error at
/// its file, line and column (none without the `terraform` feature, which reads no Terraform).
pub fn terraform_var_file_errors(opts: &LoadOptions) -> Vec<crate::document::LoadError> {
    #[cfg(feature = "terraform")]
    return terraform::var_file_errors(opts);
    #[cfg(not(feature = "terraform"))]
    {
        let _ = opts;
        Vec::new()
    }
}

/// How many leading bytes of an input the formats are shown to recognise it.
pub const SNIFF_BYTES: usize = 4096;

/// How sure a format is that an input is its own, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Not this format.
    No,
    /// Could be read as this format when nothing else claims it (standard input, say).
    Fallback,
    /// The file name says so (`*.yaml`).
    Name,
    /// The content says so (a JSON object with `apiVersion` and `kind`).
    Content,
}

/// A format fourc can read.
pub trait InputFormat: Send + Sync {
    /// The format's name, as `--input-format` takes it (`kubernetes`).
    fn name(&self) -> &str;

    /// How sure the format is that an input is its own, from its path (`None` for standard
    /// input) and its first bytes (at most [`SNIFF_BYTES`]; empty when only the name is asked
    /// about, to decide which files of a folder to read).
    fn sniff(&self, path: Option<&Path>, head: &[u8]) -> Confidence;

    /// Loads every document of a source. Malformed input is an error naming its line and
    /// column; what could be read is kept.
    fn load(&self, source: &Arc<Source>, opts: &LoadOptions) -> Loaded;
}

impl fmt::Debug for dyn InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InputFormat({})", self.name())
    }
}

/// The input formats an engine reads.
#[derive(Clone, Debug)]
pub struct Formats {
    list: Vec<Arc<dyn InputFormat>>,
}

impl Default for Formats {
    fn default() -> Self {
        Formats::standard()
    }
}

impl Formats {
    /// No format at all.
    pub fn empty() -> Self {
        Formats { list: Vec::new() }
    }

    /// The formats fourc reads out of the box.
    pub fn standard() -> Self {
        Formats {
            list: vec![
                Arc::new(Kubernetes),
                Arc::new(Dockerfile),
                Arc::new(ConnaisseurValues),
                Arc::new(reports::VulnerabilityReports),
                Arc::new(reports::Sarif),
                Arc::new(reports::Zap),
                Arc::new(cloudformation::CloudFormation),
                Arc::new(tfplan::TerraformPlan),
                Arc::new(describe::Describe),
                #[cfg(feature = "terraform")]
                Arc::new(terraform::Terraform),
            ],
        }
    }

    /// Adds a format. Between two formats equally sure of an input, the one registered later
    /// wins, so an embedder's format can take over files a standard one also claims.
    pub fn register(&mut self, format: Arc<dyn InputFormat>) {
        self.list.push(format);
    }

    /// The format called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn InputFormat>> {
        self.list.iter().find(|f| f.name() == name)
    }

    /// Every format's name, in registration order.
    pub fn names(&self) -> Vec<&str> {
        self.list.iter().map(|f| f.name()).collect()
    }

    /// Whether some format claims a file by its name: the files of a folder that are read.
    pub fn claims_name(&self, path: &Path) -> bool {
        self.list
            .iter()
            .any(|f| f.sniff(Some(path), &[]) >= Confidence::Name)
    }

    /// The format to read an input with: the surest one, or why none fits.
    pub fn detect(
        &self,
        path: Option<&Path>,
        head: &[u8],
    ) -> Result<&Arc<dyn InputFormat>, String> {
        let mut best: Option<(Confidence, &Arc<dyn InputFormat>)> = None;
        for f in &self.list {
            let c = f.sniff(path, head);
            if c > Confidence::No && best.is_none_or(|(b, _)| c >= b) {
                best = Some((c, f));
            }
        }
        best.map(|(_, f)| f).ok_or_else(|| {
            let names = self.names().join(", ");
            if head.is_empty() {
                format!("no input format recognises the file (formats: {names})")
            } else {
                format!("no input format recognises its content (formats: {names})")
            }
        })
    }
}

/// A path's extension in lower case (`Dockerfile.YAML` gives `yaml`), for sniffing by name.
pub fn extension(path: Option<&Path>) -> Option<String> {
    path.and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// The first bytes of a text, cut at [`SNIFF_BYTES`].
pub fn head(text: &str) -> &[u8] {
    let b = text.as_bytes();
    b.get(..SNIFF_BYTES.min(b.len())).unwrap_or(b)
}
