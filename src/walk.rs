//! The folder walker: which files under a folder are read.
//!
//! - Entries whose name starts with `.` are skipped; the rest are visited in path order, folder
//!   contents in place (depth first).
//! - Symbolic links are followed, to files and to folders alike, so that a linked folder is
//!   checked like the files a deploy tool reading the tree would see. Each folder is entered
//!   once and each file read once, told apart by device and inode number on Unix (by canonical
//!   path elsewhere): a link back to an ancestor, two links to one folder, or a hard link add
//!   nothing, and a cycle of links ends.
//! - Only regular files are read. A FIFO, socket or device that `keep` would take is reported
//!   and skipped: reading one could block forever or never end.
//! - A folder that cannot be listed, an entry that cannot be examined (a dangling link that
//!   `keep` would take, say) is reported with its own path and OS error, and the walk goes on.
//! - The walk keeps its own stack, so a deep tree cannot overflow the call stack.

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

/// A path the walk could not read, and why.
#[derive(Debug)]
pub(crate) struct WalkError {
    pub(crate) path: PathBuf,
    pub(crate) error: io::Error,
}

/// What a path is, links followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Dir,
    File,
    /// Anything else: a FIFO, a socket, a device (its description).
    Other(&'static str),
}

/// What identifies a file or folder, links followed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum FileId {
    /// Device and inode number.
    #[cfg_attr(
        not(unix),
        allow(dead_code, reason = "built from Unix metadata and in tests")
    )]
    Inode(u64, u64),
    /// The canonical path, where there are no inode numbers.
    #[cfg_attr(
        unix,
        allow(dead_code, reason = "used where there are no inode numbers")
    )]
    Path(PathBuf),
}

/// The file system as the walk sees it (a seam for tests that need failures no real folder
/// gives reliably, such as an unreadable folder when running as root).
pub(crate) trait Fs {
    /// The paths of the entries of folder `dir`, any order.
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
    /// What `path` is and its identity, links followed.
    fn stat(&self, path: &Path) -> io::Result<(Kind, FileId)>;
}

/// The real file system.
pub(crate) struct RealFs;

impl Fs for RealFs {
    fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        std::fs::read_dir(dir)?
            .map(|e| e.map(|e| e.path()))
            .collect()
    }

    fn stat(&self, path: &Path) -> io::Result<(Kind, FileId)> {
        let meta = std::fs::metadata(path)?;
        let t = meta.file_type();
        let kind = if t.is_dir() {
            Kind::Dir
        } else if t.is_file() {
            Kind::File
        } else {
            Kind::Other(special_kind(&t))
        };
        Ok((kind, file_id(path, &meta)?))
    }
}

#[cfg(unix)]
fn special_kind(t: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &std::fs::FileType) -> &'static str {
    "not a regular file"
}

#[cfg(unix)]
fn file_id(_: &Path, meta: &std::fs::Metadata) -> io::Result<FileId> {
    use std::os::unix::fs::MetadataExt;
    Ok(FileId::Inode(meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path, _: &std::fs::Metadata) -> io::Result<FileId> {
    Ok(FileId::Path(std::fs::canonicalize(path)?))
}

/// Collects the regular files under `dir` that satisfy `keep` into `out` (see the module
/// docs); returns what could not be read, in walk order.
pub(crate) fn collect_files(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    keep: &dyn Fn(&Path) -> bool,
) -> Vec<WalkError> {
    collect_files_in(&RealFs, dir, out, keep)
}

/// [`collect_files`] over any [`Fs`].
pub(crate) fn collect_files_in(
    fs: &dyn Fs,
    dir: &Path,
    out: &mut Vec<PathBuf>,
    keep: &dyn Fn(&Path) -> bool,
) -> Vec<WalkError> {
    let mut errors = Vec::new();
    let mut dirs: HashSet<FileId> = HashSet::new();
    let mut files: HashSet<FileId> = HashSet::new();
    match fs.stat(dir) {
        Ok((_, id)) => {
            dirs.insert(id);
        }
        Err(error) => {
            errors.push(WalkError {
                path: dir.to_path_buf(),
                error,
            });
            return errors;
        }
    }
    // The entries of every folder being walked, innermost last, each in reverse path order so
    // that popping yields path order.
    let mut stack: Vec<Vec<PathBuf>> = Vec::new();
    match listing(fs, dir) {
        Ok(entries) => stack.push(entries),
        Err(e) => errors.push(e),
    }
    while let Some(top) = stack.last_mut() {
        let Some(p) = top.pop() else {
            stack.pop();
            continue;
        };
        match fs.stat(&p) {
            Ok((Kind::Dir, id)) => {
                if dirs.insert(id) {
                    match listing(fs, &p) {
                        Ok(entries) => stack.push(entries),
                        Err(e) => errors.push(e),
                    }
                }
            }
            Ok((Kind::File, id)) => {
                if keep(&p) && files.insert(id) {
                    out.push(p);
                }
            }
            Ok((Kind::Other(what), _)) => {
                if keep(&p) {
                    errors.push(WalkError {
                        path: p,
                        error: io::Error::other(format!("{what}, not a regular file (skipped)")),
                    });
                }
            }
            Err(error) => {
                if keep(&p) {
                    errors.push(WalkError { path: p, error });
                }
            }
        }
    }
    errors
}

/// The entries of `dir` that are not hidden, in reverse path order.
fn listing(fs: &dyn Fs, dir: &Path) -> Result<Vec<PathBuf>, WalkError> {
    let mut entries = fs.list(dir).map_err(|error| WalkError {
        path: dir.to_path_buf(),
        error,
    })?;
    entries.retain(|p| {
        !p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'))
    });
    entries.sort_by(|a, b| b.cmp(a));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::collections::HashMap;

    use super::*;

    /// A made-up tree: folders list their entries, every path has a kind and an identity, and
    /// some paths fail.
    #[derive(Default)]
    struct FakeFs {
        entries: HashMap<PathBuf, Vec<PathBuf>>,
        kinds: HashMap<PathBuf, (Kind, u64)>,
        unlistable: HashSet<PathBuf>,
    }

    impl FakeFs {
        fn dir(&mut self, path: &str, id: u64, entries: &[&str]) {
            let p = PathBuf::from(path);
            self.entries
                .insert(p.clone(), entries.iter().map(|e| p.join(e)).collect());
            self.kinds.insert(p, (Kind::Dir, id));
        }
        fn node(&mut self, path: &str, kind: Kind, id: u64) {
            self.kinds.insert(PathBuf::from(path), (kind, id));
        }
    }

    impl Fs for FakeFs {
        fn list(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
            if self.unlistable.contains(dir) {
                return Err(io::Error::from(io::ErrorKind::PermissionDenied));
            }
            Ok(self.entries.get(dir).cloned().unwrap_or_default())
        }
        fn stat(&self, path: &Path) -> io::Result<(Kind, FileId)> {
            self.kinds
                .get(path)
                .map(|&(k, id)| (k, FileId::Inode(1, id)))
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
        }
    }

    fn yaml(p: &Path) -> bool {
        p.extension().is_some_and(|e| e == "yaml")
    }

    fn walk(fs: &FakeFs) -> (Vec<String>, Vec<String>) {
        let mut out = Vec::new();
        let errors = collect_files_in(fs, Path::new("/r"), &mut out, &yaml);
        (
            out.iter().map(|p| p.display().to_string()).collect(),
            errors
                .iter()
                .map(|e| format!("{}: {:?}", e.path.display(), e.error.kind()))
                .collect(),
        )
    }

    #[test]
    fn an_unreadable_subfolder_is_reported_and_the_walk_goes_on() {
        let mut fs = FakeFs::default();
        fs.dir("/r", 1, &["a", "b.yaml", "c", ".hidden.yaml"]);
        fs.dir("/r/a", 2, &["x.yaml"]);
        fs.node("/r/a/x.yaml", Kind::File, 3);
        fs.node("/r/b.yaml", Kind::File, 4);
        fs.dir("/r/c", 5, &["y.yaml", "dangling.yaml", "dangling.txt"]);
        fs.node("/r/c/y.yaml", Kind::File, 6);
        fs.unlistable.insert(PathBuf::from("/r/a"));
        let (files, errors) = walk(&fs);
        assert_eq!(files, ["/r/b.yaml", "/r/c/y.yaml"]);
        assert_eq!(
            errors,
            ["/r/a: PermissionDenied", "/r/c/dangling.yaml: NotFound"]
        );
    }

    #[test]
    fn symlink_loops_end_and_each_file_is_read_once() {
        let mut fs = FakeFs::default();
        // /r/up and the `up` in the linked folder are links back to /r; /r/again and /r/sub are
        // one folder (a link and its target); its h.yaml is a hard link to /r/a.yaml
        fs.dir("/r", 1, &["a.yaml", "again", "sub", "up"]);
        fs.node("/r/a.yaml", Kind::File, 10);
        fs.node("/r/up", Kind::Dir, 1);
        for d in ["/r/again", "/r/sub"] {
            fs.dir(d, 2, &["b.yaml", "h.yaml", "up"]);
            fs.node(&format!("{d}/b.yaml"), Kind::File, 11);
            fs.node(&format!("{d}/h.yaml"), Kind::File, 10);
            fs.node(&format!("{d}/up"), Kind::Dir, 1);
        }
        let (files, errors) = walk(&fs);
        assert_eq!(files, ["/r/a.yaml", "/r/again/b.yaml"]);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn special_files_are_reported_not_read() {
        let mut fs = FakeFs::default();
        fs.dir("/r", 1, &["fifo.yaml", "fifo.txt", "ok.yaml"]);
        fs.node("/r/fifo.yaml", Kind::Other("a FIFO"), 2);
        fs.node("/r/fifo.txt", Kind::Other("a FIFO"), 3);
        fs.node("/r/ok.yaml", Kind::File, 4);
        let mut out = Vec::new();
        let errors = collect_files_in(&fs, Path::new("/r"), &mut out, &yaml);
        assert_eq!(out, [PathBuf::from("/r/ok.yaml")]);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, PathBuf::from("/r/fifo.yaml"));
        assert_eq!(
            errors[0].error.to_string(),
            "a FIFO, not a regular file (skipped)"
        );
    }

    #[test]
    fn an_unreadable_top_folder_is_reported() {
        let fs = FakeFs::default();
        let (files, errors) = walk(&fs);
        assert!(files.is_empty());
        assert_eq!(errors, ["/r: NotFound"]);
    }
}
