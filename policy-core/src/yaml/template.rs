//! Unrendered Helm and Go templates: a `{{ ... }}` action where YAML expects a value, a key or
//! a list item reads as a flow mapping (`complex keys are not supported`, `"-" is only valid
//! inside a block`), so a load error in such a file is explained as what it is.
//!
//! Only errors are rewritten: a `{{` inside a quoted or block scalar, or inside a plain scalar
//! (`echo {{ .x }}`), is text that loads as it should (Argo and Prometheus templates in
//! annotations are).

use crate::document::LoadError;

/// Rewrites the errors of a failed load of `text` that follow a template action: each names
/// the action's line and says to render the template first.
pub(super) fn explain(text: &str, errors: &mut [LoadError]) {
    if errors.iter().all(|e| e.line == 0) {
        return;
    }
    let lines = action_lines(text);
    for e in errors.iter_mut().filter(|e| e.line > 0) {
        let Some(&n) = lines.iter().rev().find(|&&n| n <= e.line) else {
            continue;
        };
        e.message = format!(
            "this looks like a Helm/Go template (`{{{{ ... }}}}` at line {n}); render it first, \
             e.g. `helm template` (YAML: {})",
            e.message
        );
    }
}

/// The 1-based lines, in order, where a `{{` starts a YAML token (a value after `key: `, a key,
/// a list item, a flow item, or a line of its own) outside comments and quoted and block
/// scalars.
fn action_lines(text: &str) -> Vec<u32> {
    let mut found = Vec::new();
    // The quote of a quoted scalar that continues from the line before.
    let mut quote: Option<char> = None;
    // The indentation of the line that opened a block scalar (`key: |`), while in it.
    let mut block: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(b) = block {
            if line.trim().is_empty() || indent > b {
                continue;
            }
            block = None;
        }
        let scan = scan_line(line, &mut quote);
        if scan.action {
            found.push(u32::try_from(n + 1).unwrap_or(u32::MAX));
        }
        if scan.opens_block {
            block = Some(indent);
        }
    }
    found
}

/// What one line holds.
struct LineScan {
    /// A `{{` starts a YAML token on it.
    action: bool,
    /// It ends with a block scalar indicator (`|`, `>-`, ...).
    opens_block: bool,
}

fn scan_line(line: &str, quote: &mut Option<char>) -> LineScan {
    let chars: Vec<char> = line.chars().collect();
    let mut action = false;
    // The last character outside quotes that is not blank, and whether blanks followed it.
    let mut last: Option<char> = None;
    let mut blank_after = true;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        if let Some(q) = *quote {
            match (q, c, next) {
                ('"', '\\', _) => i += 1,
                ('\'', '\'', Some('\'')) => i += 1,
                _ if c == q => {
                    *quote = None;
                    last = Some(q);
                    blank_after = false;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        let starts_token = last.is_none()
            || matches!(last, Some('[' | '{' | ',' | '?'))
            || (matches!(last, Some(':' | '-')) && blank_after);
        match c {
            ' ' | '\t' => blank_after = true,
            '#' if blank_after => break,
            '"' | '\'' if starts_token => *quote = Some(c),
            '{' if next == Some('{') && starts_token => {
                let rest: String = chars.get(i + 2..).unwrap_or(&[]).iter().collect();
                // `{{resolve:...}}` is a CloudFormation dynamic reference, not a template.
                if !rest.trim_start_matches(['-', ' ']).starts_with("resolve:") {
                    action = true;
                }
                last = Some(c);
                blank_after = false;
            }
            _ => {
                last = Some(c);
                blank_after = false;
            }
        }
        i += 1;
    }
    let opens_block = quote.is_none() && opens_block_scalar(line);
    LineScan {
        action,
        opens_block,
    }
}

/// Whether `line` ends with a block scalar indicator as a value or list item: `key: |`,
/// `- >-`, `key: |2+ # comment`.
fn opens_block_scalar(line: &str) -> bool {
    let code = match line.find(" #") {
        Some(i) => line.get(..i).unwrap_or(line),
        None => line,
    };
    let code = code.trim_end();
    let head = code.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    let Some(before) = head.strip_suffix('|').or_else(|| head.strip_suffix('>')) else {
        return false;
    };
    let trimmed = before.trim_end_matches([' ', '\t']);
    let spaced = trimmed.len() < before.len();
    trimmed.trim().is_empty() || (spaced && (trimmed.ends_with(':') || trimmed.ends_with('-')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_found_where_yaml_expects_a_token() {
        let text = "\
{{- if .Values.enabled }}
kind: Deployment
metadata:
  name: {{ include \"app.fullname\" . }}
  labels:
    {{- include \"app.labels\" . | nindent 4 }}
  annotations:
    quoted: \"{{ .Values.a }}\"
    single: '{{ .Values.b }} it''s {{ x }}'
    plain: echo {{ .Values.c }}
    ref: '{{resolve:ssm:name}}'
    cfn: {{resolve:ssm:name}}
    # {{ a comment }}
    rule: |
      {{ $labels.instance }} is down
    folded: >-
      {{ $value }}
spec:
  args: [{{ .Values.arg }}]
  list:
    - {{ .Values.item }}
";
        assert_eq!(action_lines(text), vec![1, 4, 6, 19, 21]);
    }

    #[test]
    fn a_quoted_scalar_may_span_lines() {
        let text = "a: \"one\n  {{ two }}\"\nb: {{ three }}\n";
        assert_eq!(action_lines(text), vec![3]);
    }

    #[test]
    fn block_indicators() {
        assert!(opens_block_scalar("  key: |"));
        assert!(opens_block_scalar("  key: >-"));
        assert!(opens_block_scalar("  - |2+ # note"));
        assert!(opens_block_scalar("|"));
        assert!(!opens_block_scalar("  key: a|"));
        assert!(!opens_block_scalar("  key: value"));
    }
}
