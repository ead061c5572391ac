//! What the streaming renderers share: running totals of a report, pretty JSON written a value
//! at a time, and a spool for the parts of a report that must be written after counts known
//! only at the end.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read as _, Seek as _, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use crate::{Finding, Layer, Severity};

/// Counts over the findings a report has seen so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tally {
    /// Standing findings.
    pub(crate) findings: usize,
    /// Standing findings per severity, in [`Severity::ALL`] order.
    pub(crate) by_severity: [usize; 5],
    /// Standing findings per layer, in [`Layer::ALL`] order.
    pub(crate) by_layer: [usize; 4],
    /// Standing findings per rule id.
    pub(crate) per_rule: HashMap<String, usize>,
    /// Waived findings.
    pub(crate) suppressed: usize,
    /// Evaluation errors.
    pub(crate) eval_errors: usize,
}

impl Tally {
    /// Counts the standing findings of a part.
    pub(crate) fn add(&mut self, findings: &[Finding]) {
        for f in findings {
            self.findings += 1;
            let r = f.rule();
            if let Some(n) = Severity::ALL
                .iter()
                .position(|s| *s == r.severity)
                .and_then(|i| self.by_severity.get_mut(i))
            {
                *n += 1;
            }
            if let Some(n) = Layer::ALL
                .iter()
                .position(|l| *l == r.layer)
                .and_then(|i| self.by_layer.get_mut(i))
            {
                *n += 1;
            }
            match self.per_rule.get_mut(&*r.id) {
                Some(n) => *n += 1,
                None => {
                    self.per_rule.insert(r.id.to_string(), 1);
                }
            }
        }
    }

    /// (severity, count), most severe first.
    pub(crate) fn severities(&self) -> impl Iterator<Item = (Severity, usize)> + '_ {
        Severity::ALL.iter().copied().zip(self.by_severity)
    }

    /// (layer, count), outermost first.
    pub(crate) fn layers(&self) -> impl Iterator<Item = (Layer, usize)> + '_ {
        Layer::ALL.iter().copied().zip(self.by_layer)
    }
}

/// Each rule id's position among `rules` (the first, should an id repeat).
pub(crate) fn rule_positions(rules: &[std::sync::Arc<crate::RuleMeta>]) -> HashMap<String, usize> {
    rules
        .iter()
        .enumerate()
        .rev()
        .map(|(i, m)| (m.id.to_string(), i))
        .collect()
}

/// Writes `value` as serde_json's pretty printer would write it `depth` levels deep inside an
/// enclosing value (two spaces a level): each line after the first is indented. JSON strings
/// never hold a raw line break, so every line break of the output is one between tokens.
pub(crate) fn pretty_at(
    w: &mut dyn Write,
    buf: &mut Vec<u8>,
    depth: usize,
    value: &impl Serialize,
) -> io::Result<()> {
    buf.clear();
    serde_json::to_writer_pretty(&mut *buf, value).map_err(io::Error::from)?;
    let mut rest = buf.as_slice();
    while let Some(at) = rest.iter().position(|&b| b == b'\n') {
        let (line, tail) = rest.split_at(at + 1);
        w.write_all(line)?;
        indent(w, depth)?;
        rest = tail;
    }
    w.write_all(rest)
}

/// Two spaces a level.
pub(crate) fn indent(w: &mut dyn Write, depth: usize) -> io::Result<()> {
    for _ in 0..depth {
        w.write_all(b"  ")?;
    }
    Ok(())
}

/// A JSON array written element by element, `depth` levels deep, in serde_json's pretty layout
/// (`[]` when empty).
pub(crate) struct Array {
    depth: usize,
    empty: bool,
}

impl Array {
    /// Writes the opening bracket.
    pub(crate) fn open(w: &mut dyn Write, depth: usize) -> io::Result<Self> {
        w.write_all(b"[")?;
        Ok(Array { depth, empty: true })
    }

    /// Writes one element.
    pub(crate) fn push(
        &mut self,
        w: &mut dyn Write,
        buf: &mut Vec<u8>,
        value: &impl Serialize,
    ) -> io::Result<()> {
        self.next(w)?;
        pretty_at(w, buf, self.depth + 1, value)
    }

    /// Writes one element already rendered at this array's element depth (by [`pretty_at`]).
    pub(crate) fn push_rendered(&mut self, w: &mut dyn Write, rendered: &[u8]) -> io::Result<()> {
        self.next(w)?;
        w.write_all(rendered)
    }

    /// The separator and indentation before an element.
    fn next(&mut self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(if self.empty { b"\n" } else { b",\n" })?;
        self.empty = false;
        indent(w, self.depth + 1)
    }

    /// Writes the closing bracket.
    pub(crate) fn close(self, w: &mut dyn Write) -> io::Result<()> {
        if !self.empty {
            w.write_all(b"\n")?;
            indent(w, self.depth)?;
        }
        w.write_all(b"]")
    }
}

/// Bytes kept in memory before a spool moves to a file.
const SPOOL_MEMORY: usize = 4 << 20;

static SPOOLS: AtomicU64 = AtomicU64::new(0);

/// Bytes written now and read back later: in memory while small, then in a temporary file
/// (removed when the spool is dropped), so a report whose header needs totals never holds its
/// body in memory.
pub(crate) struct Spool {
    memory: Vec<u8>,
    file: Option<(io::BufWriter<File>, PathBuf)>,
    len: u64,
}

impl Spool {
    pub(crate) fn new() -> Self {
        Spool {
            memory: Vec::new(),
            file: None,
            len: 0,
        }
    }

    /// How many bytes were written.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    fn spill(&mut self) -> io::Result<()> {
        let n = SPOOLS.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("fourc-spool-{}-{n}", std::process::id()));
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.write_all(&self.memory)?;
        self.memory = Vec::new();
        self.file = Some((io::BufWriter::with_capacity(64 << 10, file), path));
        Ok(())
    }

    /// Copies bytes `start..end` of the spool to `w`.
    pub(crate) fn copy_range(&mut self, start: u64, end: u64, w: &mut dyn Write) -> io::Result<()> {
        match &mut self.file {
            None => {
                let s = usize::try_from(start).unwrap_or(usize::MAX);
                let e = usize::try_from(end).unwrap_or(usize::MAX);
                w.write_all(self.memory.get(s..e).unwrap_or_default())
            }
            Some((buffered, _)) => {
                buffered.flush()?;
                let file = buffered.get_mut();
                file.seek(SeekFrom::Start(start))?;
                let mut left = end.saturating_sub(start);
                let mut buf = [0u8; 64 << 10];
                while left > 0 {
                    let want = usize::try_from(left).unwrap_or(buf.len()).min(buf.len());
                    let chunk = buf.get_mut(..want).unwrap_or_default();
                    file.read_exact(chunk)?;
                    w.write_all(chunk)?;
                    left -= want as u64;
                }
                // Writes go on at the end.
                file.seek(SeekFrom::End(0))?;
                Ok(())
            }
        }
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.file.is_none() && self.memory.len() + buf.len() > SPOOL_MEMORY {
            self.spill()?;
        }
        match &mut self.file {
            Some((file, _)) => file.write_all(buf)?,
            None => self.memory.extend_from_slice(buf),
        }
        self.len += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some((file, _)) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        if let Some((_, path)) = self.file.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

    use super::*;

    #[test]
    fn arrays_written_element_by_element_match_serde_json() {
        let values = vec![
            serde_json::json!({"a": 1, "b": [1, 2, {"c": "x\ny"}], "d": {}}),
            serde_json::json!([]),
            serde_json::json!("s"),
        ];
        let whole = serde_json::json!({"k": values, "e": []});
        let mut out = Vec::new();
        let mut buf = Vec::new();
        out.extend_from_slice(b"{\n  \"k\": ");
        let mut a = Array::open(&mut out, 1).unwrap();
        for v in &values {
            a.push(&mut out, &mut buf, v).unwrap();
        }
        a.close(&mut out).unwrap();
        out.extend_from_slice(b",\n  \"e\": ");
        Array::open(&mut out, 1).unwrap().close(&mut out).unwrap();
        out.extend_from_slice(b"\n}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string_pretty(&whole).unwrap()
        );
    }

    #[test]
    fn a_spool_moves_to_a_file_and_reads_back_every_range() {
        let mut s = Spool::new();
        let line = [b'x'; 1000];
        let mut marks = Vec::new();
        for i in 0..(SPOOL_MEMORY / 1000 + 10) {
            marks.push(s.len());
            write!(s, "{i:08}").unwrap();
            s.write_all(&line).unwrap();
        }
        assert!(s.file.is_some(), "the spool did not move to a file");
        let path = s.file.as_ref().unwrap().1.clone();
        let mut out = Vec::new();
        s.copy_range(marks[17], marks[18], &mut out).unwrap();
        assert_eq!(&out[..8], b"00000017");
        assert_eq!(out.len(), 1008);
        let mut all = Vec::new();
        s.copy_range(0, s.len(), &mut all).unwrap();
        assert_eq!(all.len() as u64, s.len());
        // Writing after reading appends.
        let end = s.len();
        s.write_all(b"tail").unwrap();
        let mut tail = Vec::new();
        s.copy_range(end, s.len(), &mut tail).unwrap();
        assert_eq!(tail, b"tail");
        let mut again = Vec::new();
        s.copy_range(marks[17], marks[17] + 8, &mut again).unwrap();
        assert_eq!(again, b"00000017");
        drop(s);
        assert!(!path.exists(), "the spool file was left behind");
    }
}
