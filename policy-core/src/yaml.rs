//! The YAML and JSON loader.
//!
//! Sources are read as multi-document YAML streams (JSON is YAML, so it takes the same path) and
//! every object becomes a [`Document`] whose nodes all carry their [`Span`](crate::Span). The
//! tree is built straight from `saphyr_parser` events with an explicit stack, so deep input
//! cannot overflow the call stack.
//!
//! What the loader guarantees:
//! - Scalars resolve as kubectl resolves them ([`YamlCompat::Kubernetes`]: YAML 1.1 through
//!   go-yaml v2, so `yes` is `true` and `0644` is 420) or by the YAML 1.2 core schema
//!   ([`YamlCompat::Yaml12`]). Only plain scalars are resolved: quoted and block scalars are
//!   strings. `!!str`, `!!int`, `!!float`, `!!bool` and `!!null` force a type; other tags are
//!   ignored.
//! - Keys are strings. In Kubernetes mode a plain key such as `yes`, `0x10` or `~` becomes the
//!   string kubectl would send (`"true"`, `"16"`, `"null"`). A map or list as a key is an error.
//! - A duplicate key is an error (a classic way to hide a value from one tool and not another),
//!   and so is nesting deeper than [`LoadOptions::max_depth`].
//! - `<<` merge keys are read as go-yaml v2 (kubectl) reads them where go-yaml v2 and v3 agree,
//!   and are an error where they do not (a second `<<` in one mapping, a `<<` overriding an
//!   explicit key before it); `!!merge <<` merges. The source followed is go-yaml's `decode.go`
//!   (see the `map` module).
//! - Aliases share the anchored tree; each counts at its expanded size against
//!   [`LoadOptions::max_nodes`], so an alias bomb fails fast.
//! - A mapping value's span starts at its key; a list object (`kind: List`, `PodList`, any object
//!   with an `items` array) yields one document per item, nested lists flattened (the `lists`
//!   module).
//! - A stream of JSON objects without `---` (JSON Lines) is one document per object, and JSON
//!   surrogate-pair escapes decode as Go's `encoding/json` decodes them (the `json` module).
//! - A tab between `key:` and its value is separation, as in go-yaml.
//! - An error loses only its document, except a syntax error or the node limit, which end the
//!   stream (documents before it are kept).
//!
//! [`YamlCompat::Kubernetes`]: crate::YamlCompat::Kubernetes
//! [`YamlCompat::Yaml12`]: crate::YamlCompat::Yaml12

mod build;
#[cfg(feature = "parallel")]
mod chunks;
mod json;
mod lists;
mod map;
mod pick;
mod resolve;
mod strings;
mod template;
#[cfg(test)]
mod tests;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::document::{LoadError, LoadOptions, Loaded, Source};

pub(crate) use pick::{Item as PickedItem, Pick, read_each as read_picked_each};

#[cfg(doc)]
use crate::document::Document;

/// Loads every document of a YAML (or JSON) stream held by `source`.
///
/// Empty documents are skipped; a root that is not an object is an error naming its line; each
/// item of a list object becomes its own document. An error after an unrendered Helm/Go
/// template action (`{{ ... }}` where YAML expects a value or a key) says so and names its line.
///
/// A carriage return not followed by a line feed breaks a line in YAML: the documents of such a
/// text refer to a copy of `source` with a line feed in its place (the same bytes otherwise, so
/// spans are byte offsets of `source` too), whose lines are the lines the parser counted.
pub fn load_str(source: &Arc<Source>, opts: &LoadOptions) -> Loaded {
    let lf = lone_cr_as_lf(source);
    let source = lf.as_ref().unwrap_or(source);
    let mut loaded = build::load(source, opts);
    if !loaded.errors.is_empty() {
        template::explain(source.text(), &mut loaded.errors);
    }
    loaded
}

/// `source` with every lone carriage return (one not before a line feed) made a line feed, or
/// `None` when it has none.
fn lone_cr_as_lf(source: &Arc<Source>) -> Option<Arc<Source>> {
    let text = source.text();
    let bytes = text.as_bytes();
    let lone = |i: usize| bytes.get(i.saturating_add(1)) != Some(&b'\n');
    let mut crs = text.match_indices('\r').map(|(i, _)| i);
    crs.find(|&i| lone(i))?;
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (i, _) in text.match_indices('\r') {
        if lone(i) {
            out.push_str(text.get(rest..i).unwrap_or_default());
            out.push('\n');
            rest = i.saturating_add(1);
        }
    }
    out.push_str(text.get(rest..).unwrap_or_default());
    Some(Source::new(source.name_arc().clone(), out))
}

/// Loads a YAML (or JSON) stream from bytes: checks the size limit and UTF-8 (a byte order mark
/// is dropped), then reads it like [`load_str`]. `name` names the source in errors and findings.
pub fn load_bytes(name: &str, bytes: &[u8], opts: &LoadOptions) -> Loaded {
    if let Some(err) = check_size(name, len_u64(bytes.len()), opts, "input is") {
        return failed(err);
    }
    match decode(name, bytes) {
        Ok(text) => load_str(&Source::new(name, text), opts),
        Err(err) => failed(err),
    }
}

/// Loads a file. A file over [`LoadOptions::max_bytes`] fails before anything is read.
/// The source is named by `path` as given.
pub fn load_path(path: &Path, opts: &LoadOptions) -> Loaded {
    match read_path(path, opts) {
        Ok(source) => load_str(&source, opts),
        Err(e) => failed(e),
    }
}

/// Reads a file into a [`Source`] with the checks every input format needs: the size limit
/// (before anything is read), UTF-8, and a dropped byte order mark. The source is named by
/// `path` as given.
pub fn read_path(path: &Path, opts: &LoadOptions) -> Result<Arc<Source>, LoadError> {
    let name = path.display().to_string();
    // The source keeps the path itself: its display form can lose bytes.
    read_named_path(&name, path, opts).map_err(|e| e.with_path(path))
}

fn read_named_path(name: &str, path: &Path, opts: &LoadOptions) -> Result<Arc<Source>, LoadError> {
    let name = name.to_string();
    let meta = std::fs::metadata(path).map_err(|e| io_error(&name, &e))?;
    if meta.is_dir() {
        return Err(error_at(
            &name,
            "cannot read a directory as a document".to_string(),
        ));
    }
    #[cfg(unix)]
    if std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()) {
        return read_fifo(&name, path, opts);
    }
    if let Some(err) = check_size(&name, meta.len(), opts, "file is") {
        return Err(err);
    }
    // A special file (a pipe, /dev/zero) reports no size: the reader bounds what is read.
    let file = std::fs::File::open(path).map_err(|e| io_error(&name, &e))?;
    read_source_at(&name, Some(path), file, opts, meta.len())
}

/// `O_NONBLOCK` where its value is known without a C library binding.
#[cfg(unix)]
fn o_nonblock() -> Option<i32> {
    let linux = cfg!(any(target_os = "linux", target_os = "android"))
        && cfg!(any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv64",
            target_arch = "s390x",
            target_arch = "powerpc64",
            target_arch = "loongarch64"
        ));
    let bsd = cfg!(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    ));
    if linux {
        Some(0o4000)
    } else if bsd {
        Some(0x0004)
    } else {
        None
    }
}

/// Loads a FIFO named as an input (`<(helm template ...)` is one). Opening a FIFO blocks until
/// it has a writer, so it is opened without blocking: with no writer it is an error at once;
/// with one, reading waits for data as a pipe on standard input would.
#[cfg(unix)]
fn read_fifo(name: &str, path: &Path, opts: &LoadOptions) -> Result<Arc<Source>, LoadError> {
    use std::os::unix::fs::OpenOptionsExt;
    let Some(flag) = o_nonblock() else {
        return Err(error_at(
            name,
            "cannot read: a FIFO (named pipe); pass its content on standard input (`-`)"
                .to_string(),
        ));
    };
    match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flag)
        .open(path)
    {
        Ok(file) => read_source_at(name, Some(path), PipeReader { file, total: 0 }, opts, 0),
        Err(e) => Err(io_error(name, &e)),
    }
}

/// Reads a FIFO opened without blocking: waits out "would block"; the end with nothing read
/// means the FIFO had no writer.
#[cfg(unix)]
struct PipeReader {
    file: std::fs::File,
    total: usize,
}

#[cfg(unix)]
impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.file.read(buf) {
                Ok(0) if self.total == 0 && !buf.is_empty() => {
                    return Err(std::io::Error::other(
                        "a FIFO (named pipe) with no writer: nothing to read",
                    ));
                }
                Ok(n) => {
                    self.total = self.total.saturating_add(n);
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// Loads from a reader (standard input, say): reads at most [`LoadOptions::max_bytes`] bytes
/// (and one more, to tell that the input is too big), so memory stays bounded.
pub fn load_reader(name: &str, r: impl Read, opts: &LoadOptions) -> Loaded {
    match read_source(name, r, opts, 0) {
        Ok(source) => load_str(&source, opts),
        Err(e) => failed(e),
    }
}

/// Reads a [`Source`] from a reader, bounded as [`load_reader`] is, with room for `size_hint`
/// bytes reserved up front, so that reading a file of known size does not grow (and overshoot)
/// the buffer.
pub fn read_source(
    name: &str,
    r: impl Read,
    opts: &LoadOptions,
    size_hint: u64,
) -> Result<Arc<Source>, LoadError> {
    read_source_at(name, None, r, opts, size_hint)
}

/// [`read_source`] of the file at `path`, when there is one.
fn read_source_at(
    name: &str,
    path: Option<&Path>,
    r: impl Read,
    opts: &LoadOptions,
    size_hint: u64,
) -> Result<Arc<Source>, LoadError> {
    let hint = usize::try_from(size_hint.min(opts.max_bytes)).unwrap_or(0);
    let mut buf = Vec::with_capacity(hint.saturating_add(1));
    if let Err(e) = r
        .take(opts.max_bytes.saturating_add(1))
        .read_to_end(&mut buf)
    {
        return Err(io_error(name, &e));
    }
    if len_u64(buf.len()) > opts.max_bytes {
        return Err(error_at(
            name,
            format!(
                "input is more than {max} bytes; the limit is {max} bytes (see max_bytes)",
                max = opts.max_bytes
            ),
        ));
    }
    let text = match String::from_utf8(buf) {
        Ok(text) => text,
        Err(e) => return Err(utf8_error(name, e.as_bytes(), e.utf8_error())),
    };
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => Arc::from(rest),
        None => Arc::from(text),
    };
    Ok(Source::named_at(name, path, text))
}

fn len_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn failed(err: LoadError) -> Loaded {
    Loaded {
        documents: Vec::new(),
        errors: vec![err],
        skipped: Vec::new(),
    }
}

fn error_at(name: &str, message: String) -> LoadError {
    LoadError {
        source_name: Arc::from(name),
        path: None,
        line: 0,
        col: 0,
        message,
    }
}

fn check_size(name: &str, len: u64, opts: &LoadOptions, what: &str) -> Option<LoadError> {
    (len > opts.max_bytes).then(|| {
        error_at(
            name,
            format!(
                "{what} {len} bytes; the limit is {} bytes (see max_bytes)",
                opts.max_bytes
            ),
        )
    })
}

fn io_error(name: &str, e: &std::io::Error) -> LoadError {
    let text = e.to_string();
    let mut chars = text.chars();
    let text: String = match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    error_at(name, format!("cannot read: {text}"))
}

/// The text of `bytes` without a leading byte order mark.
fn decode<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, LoadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| utf8_error(name, bytes, e))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Names the line and column of the first byte that is not UTF-8.
fn utf8_error(name: &str, bytes: &[u8], e: std::str::Utf8Error) -> LoadError {
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return error_at(name, "input is utf-16; only utf-8 is supported".to_string());
    }
    let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
    let prefix = std::str::from_utf8(valid).unwrap_or_default();
    let prefix = prefix.strip_prefix('\u{feff}').unwrap_or(prefix);
    let line = prefix.matches('\n').count().saturating_add(1);
    let line_start = prefix.rfind('\n').map_or(0, |i| i.saturating_add(1));
    let col = prefix
        .get(line_start..)
        .map_or(0, |s| s.chars().count())
        .saturating_add(1);
    let byte = bytes.get(e.valid_up_to()).copied().unwrap_or_default();
    LoadError {
        source_name: Arc::from(name),
        path: None,
        line: u32::try_from(line).unwrap_or(u32::MAX),
        col: u32::try_from(col).unwrap_or(u32::MAX),
        message: format!("input is not valid utf-8 (byte 0x{byte:02x})"),
    }
}
