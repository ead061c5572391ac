//! Diagnostics: compile errors and warnings as data, with source snippets for miette.

use std::fmt;
use std::sync::Arc;

use miette::{LabeledSpan, NamedSource, SourceCode};

/// Error or warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// The rule set does not compile.
    Error,
    /// The rule set compiles, but something is likely wrong.
    Warning,
}

/// A label pointing at part of the rule source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Byte offset of the start.
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
    /// What the label says.
    pub text: String,
}

/// One compile error or warning, with where it is and what to do about it.
///
/// Embedders read it as data ([`Diagnostic::message`], [`Diagnostic::labels`], ...) or render
/// it, source line and caret included, with [`Diagnostic::render`] (it also implements
/// `miette::Diagnostic` for tools that use miette).
#[derive(Clone, Debug)]
pub struct Diagnostic {
    level: Level,
    code: &'static str,
    message: String,
    labels: Vec<Label>,
    help: Option<String>,
    source_name: Arc<str>,
    source_text: Arc<str>,
    named: Arc<NamedSource<String>>,
}

impl Diagnostic {
    /// A new error about `source`.
    pub(crate) fn error(
        code: &'static str,
        source: &crate::SourceFile,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            level: Level::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            source_name: source.name.clone(),
            source_text: source.text.clone(),
            named: source.named.clone(),
        }
    }

    /// A new warning about `source`.
    pub(crate) fn warning(
        code: &'static str,
        source: &crate::SourceFile,
        message: impl Into<String>,
    ) -> Self {
        let mut d = Self::error(code, source, message);
        d.level = Level::Warning;
        d
    }

    /// Adds a label over a byte range.
    pub(crate) fn label(mut self, span: std::ops::Range<usize>, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            start: span.start,
            len: span.end.saturating_sub(span.start),
            text: text.into(),
        });
        self
    }

    /// Adds advice.
    pub(crate) fn help(mut self, text: impl Into<String>) -> Self {
        self.help = Some(text.into());
        self
    }

    /// Error or warning.
    pub fn level(&self) -> Level {
        self.level
    }

    /// A stable code such as `fourc::unknown-name`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message: lowercase, no final period.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The labels.
    pub fn labels(&self) -> &[Label] {
        &self.labels
    }

    /// The advice, if any.
    pub fn help_text(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// The name of the rule source.
    pub fn source_name(&self) -> &str {
        &self.source_name
    }

    /// The diagnostic as people read it: message, source line, caret under each label, help;
    /// with ANSI colour when `color` is set. No renderer needs to be added to get it.
    pub fn render(&self, color: bool) -> String {
        let marks: Vec<policy_core::snippet::Mark<'_>> = self
            .labels
            .iter()
            .map(|l| policy_core::snippet::Mark {
                start: l.start,
                len: l.len,
                text: &l.text,
            })
            .collect();
        policy_core::snippet::render(
            &policy_core::snippet::Snippet {
                level: match self.level {
                    Level::Error => "error",
                    Level::Warning => "warning",
                },
                code: Some(self.code),
                message: &self.message,
                name: &self.source_name,
                text: &self.source_text,
                first_line: 1,
                marks: &marks,
                help: self.help.as_deref(),
            },
            color,
        )
    }

    /// 1-based line and column of the first label.
    pub fn line_col(&self) -> (usize, usize) {
        let off = self.labels.first().map_or(0, |l| l.start);
        policy_core::ir::line_col(&self.source_text, off)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

impl miette::Diagnostic for Diagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.level {
            Level::Error => miette::Severity::Error,
            Level::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.named)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().map(|l| {
            LabeledSpan::new(Some(l.text.clone()), l.start, l.len)
        })))
    }
}

/// Every diagnostic of a failed compilation, errors first, in source order.
#[derive(Clone, Debug, Default)]
pub struct CompileErrors {
    diagnostics: Vec<Diagnostic>,
}

impl CompileErrors {
    pub(crate) fn new(mut diagnostics: Vec<Diagnostic>) -> Self {
        diagnostics.sort_by(|a, b| {
            (
                a.level,
                a.source_name.clone(),
                a.labels.first().map(|l| l.start),
            )
                .cmp(&(
                    b.level,
                    b.source_name.clone(),
                    b.labels.first().map(|l| l.start),
                ))
        });
        CompileErrors { diagnostics }
    }

    /// The diagnostics.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// How many are errors.
    pub fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.level == Level::Error)
            .count()
    }
}

impl fmt::Display for CompileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.error_count();
        write!(f, "{n} error{} in rules", if n == 1 { "" } else { "s" })?;
        for d in &self.diagnostics {
            let (l, c) = d.line_col();
            write!(f, "\n{}:{l}:{c}: {}", d.source_name, d.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileErrors {}
