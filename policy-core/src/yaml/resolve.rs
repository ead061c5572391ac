//! Scalar resolution: what type a plain YAML scalar has, under Kubernetes (go-yaml v2) rules or
//! the YAML 1.2 core schema, and how Kubernetes turns a non-string map key into a string.

use saphyr_parser::Tag;

use crate::document::YamlCompat;

/// A resolved scalar. `Str` means "the scalar's own text", so resolving a string allocates
/// nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// A tag from the YAML core schema that forces a scalar's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CoreTag {
    Str,
    Int,
    Float,
    Bool,
    Null,
}

impl CoreTag {
    /// The tag as written in YAML, for messages.
    pub(super) fn name(self) -> &'static str {
        match self {
            CoreTag::Str => "!!str",
            CoreTag::Int => "!!int",
            CoreTag::Float => "!!float",
            CoreTag::Bool => "!!bool",
            CoreTag::Null => "!!null",
        }
    }
}

const CORE_PREFIX: &str = "tag:yaml.org,2002:";

/// The core-schema tag `tag` stands for, if any (`!!str`, or the verbatim `!<tag:yaml.org,2002:str>`).
/// Every other tag (`!!map`, `!!timestamp`, `!custom`) is ignored by the loader.
pub(super) fn core_tag(tag: &Tag) -> Option<CoreTag> {
    let suffix = if tag.handle == CORE_PREFIX {
        tag.suffix.as_str()
    } else {
        tag.suffix.strip_prefix(CORE_PREFIX)?
    };
    match suffix {
        "str" => Some(CoreTag::Str),
        "int" => Some(CoreTag::Int),
        "float" => Some(CoreTag::Float),
        "bool" => Some(CoreTag::Bool),
        "null" => Some(CoreTag::Null),
        _ => None,
    }
}

/// `!!merge` (`tag:yaml.org,2002:merge`): a `<<` key under it merges whatever its style.
pub(super) fn is_merge_tag(tag: &Tag) -> bool {
    let suffix = if tag.handle == CORE_PREFIX {
        tag.suffix.as_str()
    } else {
        match tag.suffix.strip_prefix(CORE_PREFIX) {
            Some(s) => s,
            None => return false,
        }
    };
    suffix == "merge"
}

/// The non-specific tag `!`.
pub(super) fn is_non_specific(tag: &Tag) -> bool {
    tag.handle.is_empty() && tag.suffix == "!"
}

/// Resolves an untagged plain scalar.
pub(super) fn resolve_plain(s: &str, compat: YamlCompat) -> Scalar {
    match compat {
        YamlCompat::Kubernetes => resolve_k8s(s),
        YamlCompat::Yaml12 => resolve_core(s),
    }
}

/// Resolves a scalar under a core-schema tag; `None` when the text does not fit the tag.
pub(super) fn resolve_tagged(s: &str, tag: CoreTag, compat: YamlCompat) -> Option<Scalar> {
    let k8s = compat == YamlCompat::Kubernetes;
    match tag {
        CoreTag::Str => Some(Scalar::Str),
        CoreTag::Null => is_null(s).then_some(Scalar::Null),
        CoreTag::Bool => if k8s { k8s_bool(s) } else { core_bool(s) }.map(Scalar::Bool),
        CoreTag::Int => {
            if k8s {
                match go_parse_int(&s.replace('_', "")) {
                    GoInt::Int(i) => Some(Scalar::Int(i)),
                    GoInt::Uint(_) | GoInt::Invalid => None,
                }
            } else {
                match core_int(s)? {
                    CoreInt::Int(i) => Some(Scalar::Int(i)),
                    CoreInt::Overflow => None,
                }
            }
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "an integer under !!float becomes the nearest float"
        )]
        CoreTag::Float => match resolve_plain(s, compat) {
            Scalar::Int(i) => Some(Scalar::Float(i as f64)),
            f @ Scalar::Float(_) => Some(f),
            _ => None,
        },
    }
}

fn is_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

fn core_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn k8s_bool(s: &str) -> Option<bool> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

/// `.inf`, `-.inf`, `.nan` and their spellings (shared by both schemas).
fn special_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Some(f64::NAN),
        _ => None,
    }
}

/// go-yaml v2's `resolve` for an untagged plain scalar, as kubectl (sigs.k8s.io/yaml) uses it.
///
/// The first byte picks the candidates, as in go-yaml's `resolveTable`: a sign or digit may be a
/// number (all underscores are removed first, then Go's `ParseInt(s, 0, 64)`, `ParseUint`, then
/// a YAML-style float), a leading `.` may be a float, and `yYnNtTfFoO~` may be a bool or null.
/// Timestamps are kept as strings.
fn resolve_k8s(s: &str) -> Scalar {
    let Some(&first) = s.as_bytes().first() else {
        return Scalar::Null;
    };
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => {
            if is_null(s) {
                Scalar::Null
            } else {
                k8s_bool(s).map_or(Scalar::Str, Scalar::Bool)
            }
        }
        b'.' => {
            if let Some(f) = special_float(s) {
                return Scalar::Float(f);
            }
            // Go's ParseFloat: underscores only between digits.
            if s.contains('_') {
                if !go_underscore_ok(s) {
                    return Scalar::Str;
                }
                return parse_yaml_float(&s.replace('_', "")).map_or(Scalar::Str, Scalar::Float);
            }
            parse_yaml_float(s).map_or(Scalar::Str, Scalar::Float)
        }
        b'+' | b'-' | b'0'..=b'9' => {
            if let Some(f) = special_float(s) {
                return Scalar::Float(f);
            }
            let stripped;
            let plain = if s.contains('_') {
                stripped = s.replace('_', "");
                stripped.as_str()
            } else {
                s
            };
            match go_parse_int(plain) {
                GoInt::Int(i) => Scalar::Int(i),
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "integers beyond i64 become the nearest float"
                )]
                GoInt::Uint(u) => Scalar::Float(u as f64),
                GoInt::Invalid => parse_yaml_float(plain).map_or(Scalar::Str, Scalar::Float),
            }
        }
        _ => Scalar::Str,
    }
}

/// The YAML 1.2 core schema.
fn resolve_core(s: &str) -> Scalar {
    if is_null(s) {
        return Scalar::Null;
    }
    if let Some(b) = core_bool(s) {
        return Scalar::Bool(b);
    }
    if let Some(f) = special_float(s) {
        return Scalar::Float(f);
    }
    match core_int(s) {
        Some(CoreInt::Int(i)) => Scalar::Int(i),
        // A decimal that overflows i64 still matches the float pattern; hex and octal do not.
        Some(CoreInt::Overflow) | None => parse_yaml_float(s).map_or(Scalar::Str, Scalar::Float),
    }
}

enum CoreInt {
    Int(i64),
    Overflow,
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
fn core_int(s: &str) -> Option<CoreInt> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x") {
        (h, 16)
    } else if let Some(o) = s.strip_prefix("0o") {
        (o, 8)
    } else {
        let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
        if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        return Some(s.parse::<i64>().map_or(CoreInt::Overflow, CoreInt::Int));
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    Some(i64::from_str_radix(digits, radix).map_or(CoreInt::Overflow, CoreInt::Int))
}

/// The YAML float pattern (go-yaml's `yamlStyleFloat`, identical to the YAML 1.2 core schema's):
/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`. A finite result only: like Go's
/// `ParseFloat`, an overflow to infinity is not a float.
fn parse_yaml_float(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
    } else {
        if digits(&mut i) == 0 {
            return None;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

enum GoInt {
    Int(i64),
    Uint(u64),
    Invalid,
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint(s, 0, 64)` on overflow (the text
/// has no underscores here: go-yaml removes them all first).
fn go_parse_int(s: &str) -> GoInt {
    let (neg, signed, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, true, s.get(1..).unwrap_or_default()),
        _ => (false, false, s),
    };
    let Some(u) = go_parse_uint(rest) else {
        return GoInt::Invalid;
    };
    const CUTOFF: u64 = 1 << 63;
    if neg {
        if u > CUTOFF {
            GoInt::Invalid
        } else if u == CUTOFF {
            GoInt::Int(i64::MIN)
        } else {
            i64::try_from(u).map_or(GoInt::Invalid, |i| GoInt::Int(-i))
        }
    } else if let Ok(i) = i64::try_from(u) {
        GoInt::Int(i)
    } else if !signed {
        // Go's ParseUint takes no sign, so `+18446744073709551615` is not a uint.
        GoInt::Uint(u)
    } else {
        GoInt::Invalid
    }
}

/// Go's `strconv.ParseUint(s, 0, 64)` without underscores: `0x`/`0o`/`0b` prefixes, a leading `0`
/// for octal, decimal otherwise.
fn go_parse_uint(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let (radix, digits): (u32, &[u8]) = match b {
        [] => return None,
        [b'0', p, rest @ ..] if !rest.is_empty() && matches!(p, b'x' | b'X') => (16, rest),
        [b'0', p, rest @ ..] if !rest.is_empty() && matches!(p, b'o' | b'O') => (8, rest),
        [b'0', p, rest @ ..] if !rest.is_empty() && matches!(p, b'b' | b'B') => (2, rest),
        [b'0', rest @ ..] => (8, rest),
        _ => (10, b),
    };
    let mut n: u64 = 0;
    for &c in digits {
        let d = char::from(c).to_digit(radix)?;
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn go_underscore_ok(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s).as_bytes();
    // saw: b'^' start, b'0' digit, b'_' underscore, b'!' other
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if let [b'0', p, ..] = b
        && matches!(p.to_ascii_lowercase(), b'b' | b'o' | b'x')
    {
        i = 2;
        saw = b'0';
        hex = p.eq_ignore_ascii_case(&b'x');
    }
    for &c in b.iter().skip(i) {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
    }
    saw != b'_'
}

/// The map key Kubernetes' YAML-to-JSON conversion (sigs.k8s.io/yaml) makes of a non-string key:
/// integers in decimal, floats with Go's `FormatFloat(f, 'g', -1, 32)`, `true`/`false`, and
/// `null` for a null key. `None` for a string.
pub(super) fn k8s_key_text(s: Scalar) -> Option<String> {
    match s {
        Scalar::Str => None,
        Scalar::Null => Some("null".to_string()),
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::Int(i) => Some(i.to_string()),
        Scalar::Float(f) => Some(go_format_g32(f)),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`, with go-yaml's `.inf`, `-.inf` and `.nan`.
pub(super) fn go_format_g32(f: f64) -> String {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "Go formats the key as a 32-bit float"
    )]
    let x = f as f32;
    if x.is_nan() {
        return ".nan".to_string();
    }
    if x.is_infinite() {
        return if x > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip as f32, like Go's shortest mode.
    let sci = format!("{x:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let mut out = String::with_capacity(digits.len() + 8);
    if neg {
        out.push('-');
    }
    // Go's shortest %g switches to an exponent below 1e-4 and from 1e6 (eprec 6)
    if !(-4..6).contains(&exp) {
        let mut chars = digits.chars();
        if let Some(d) = chars.next() {
            out.push(d);
        }
        let rest = chars.as_str();
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else {
        let nd = i64::try_from(digits.len()).unwrap_or(i64::MAX);
        let dp = exp + 1;
        if dp <= 0 {
            out.push_str("0.");
            for _ in 0..-dp {
                out.push('0');
            }
            out.push_str(&digits);
        } else if dp >= nd {
            out.push_str(&digits);
            for _ in 0..dp - nd {
                out.push('0');
            }
        } else {
            let (int, frac) = digits.split_at(usize::try_from(dp).unwrap_or(0));
            out.push_str(int);
            out.push('.');
            out.push_str(frac);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::float_cmp)]
mod tests {
    use super::*;

    fn k8s(s: &str) -> Scalar {
        resolve_plain(s, YamlCompat::Kubernetes)
    }
    fn core(s: &str) -> Scalar {
        resolve_plain(s, YamlCompat::Yaml12)
    }

    #[test]
    fn k8s_nulls_and_bools() {
        for s in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(k8s(s), Scalar::Null, "{s}");
            assert_eq!(core(s), Scalar::Null, "{s}");
        }
        for s in [
            "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
        ] {
            assert_eq!(k8s(s), Scalar::Bool(true), "{s}");
        }
        for s in [
            "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
        ] {
            assert_eq!(k8s(s), Scalar::Bool(false), "{s}");
        }
        for s in ["nULL", "yES", "tRUE", "nope", "Nil", "none", "o", "t"] {
            assert_eq!(k8s(s), Scalar::Str, "{s}");
        }
    }

    #[test]
    fn k8s_integers_follow_go_parse_int() {
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("-0", 0),
            ("42", 42),
            ("+42", 42),
            ("-42", -42),
            ("0644", 420),
            ("0755", 493),
            ("00", 0),
            ("0x1F", 31),
            ("0X1f", 31),
            ("-0x10", -16),
            ("0o17", 15),
            ("0O17", 15),
            ("0b101", 5),
            ("-0b101", -5),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            // go-yaml v2 removes every underscore before parsing numbers
            ("1_000", 1000),
            ("1__0_0", 100),
            ("1_", 1),
            ("0x_1F", 31),
        ];
        for &(s, want) in cases {
            assert_eq!(k8s(s), Scalar::Int(want), "{s}");
        }
    }

    #[test]
    fn k8s_floats_and_fallbacks() {
        let cases: &[(&str, f64)] = &[
            ("08", 8.0),
            ("09.5", 9.5),
            ("1.5", 1.5),
            ("1.", 1.0),
            ("-.5", -0.5),
            (".5", 0.5),
            ("1e3", 1000.0),
            ("-2.5E-3", -0.0025),
            ("1_000.5", 1000.5),
            (".5_0", 0.5),
            ("9223372036854775808", 9_223_372_036_854_775_808.0),
            ("18446744073709551615", 18_446_744_073_709_551_615.0),
            ("99999999999999999999", 1e20),
            (".inf", f64::INFINITY),
            (".Inf", f64::INFINITY),
            ("+.INF", f64::INFINITY),
            ("-.inf", f64::NEG_INFINITY),
        ];
        for &(s, want) in cases {
            assert_eq!(k8s(s), Scalar::Float(want), "{s}");
        }
        for s in [".nan", ".NaN", ".NAN"] {
            assert!(matches!(k8s(s), Scalar::Float(f) if f.is_nan()), "{s}");
        }
        for s in [
            "0x",
            "0xG",
            "-",
            "+",
            "1e",
            "1e400",
            "1.2.3",
            "2001-12-14",
            "2001-12-14T21:59:43.10-05:00",
            "12:30",
            "1,000",
            "inf",
            "nan",
            "._5",
            "._",
            ".",
            "..5",
            "1 2",
            "-0x",
            "+18446744073709551615x",
            "_1",
            "v1",
            "1Gi",
            "100m",
        ] {
            assert_eq!(k8s(s), Scalar::Str, "{s}");
        }
        // ParseUint takes no sign: beyond i64 with a sign it is only a float when it looks like one
        assert_eq!(
            k8s("+18446744073709551615"),
            Scalar::Float(18_446_744_073_709_551_615.0)
        );
        assert_eq!(k8s("-0x8000000000000001"), Scalar::Str);
        assert_eq!(
            k8s("0xFFFFFFFFFFFFFFFF"),
            Scalar::Float(18_446_744_073_709_551_615.0)
        );
    }

    #[test]
    fn yaml12_core_schema() {
        for s in ["true", "True", "TRUE"] {
            assert_eq!(core(s), Scalar::Bool(true));
        }
        for s in ["false", "False", "FALSE"] {
            assert_eq!(core(s), Scalar::Bool(false));
        }
        for s in ["yes", "no", "on", "off", "y", "n", "Yes", "OFF"] {
            assert_eq!(core(s), Scalar::Str, "{s}");
        }
        assert_eq!(core("0644"), Scalar::Int(644));
        assert_eq!(core("0o644"), Scalar::Int(420));
        assert_eq!(core("0x1F"), Scalar::Int(31));
        assert_eq!(core("+12"), Scalar::Int(12));
        assert_eq!(core("-12"), Scalar::Int(-12));
        assert_eq!(core("0X1F"), Scalar::Str);
        assert_eq!(core("0b101"), Scalar::Str);
        assert_eq!(core("1_000"), Scalar::Str);
        assert_eq!(core("-0x10"), Scalar::Str);
        assert_eq!(core("0xFFFFFFFFFFFFFFFFF"), Scalar::Str);
        assert_eq!(core("99999999999999999999"), Scalar::Float(1e20));
        assert_eq!(core("1.5"), Scalar::Float(1.5));
        assert_eq!(core("1e3"), Scalar::Float(1000.0));
        assert_eq!(core(".5"), Scalar::Float(0.5));
        assert_eq!(core("-.inf"), Scalar::Float(f64::NEG_INFINITY));
        assert!(matches!(core(".NaN"), Scalar::Float(f) if f.is_nan()));
        assert_eq!(core("2001-12-14"), Scalar::Str);
    }

    #[test]
    fn tagged_scalars() {
        let k = YamlCompat::Kubernetes;
        let c = YamlCompat::Yaml12;
        assert_eq!(resolve_tagged("42", CoreTag::Str, k), Some(Scalar::Str));
        assert_eq!(
            resolve_tagged("0x10", CoreTag::Int, k),
            Some(Scalar::Int(16))
        );
        assert_eq!(
            resolve_tagged("1_0", CoreTag::Int, k),
            Some(Scalar::Int(10))
        );
        assert_eq!(resolve_tagged("abc", CoreTag::Int, k), None);
        assert_eq!(resolve_tagged("1.5", CoreTag::Int, k), None);
        assert_eq!(
            resolve_tagged("0o17", CoreTag::Int, c),
            Some(Scalar::Int(15))
        );
        assert_eq!(
            resolve_tagged("017", CoreTag::Int, c),
            Some(Scalar::Int(17))
        );
        assert_eq!(
            resolve_tagged("3", CoreTag::Float, k),
            Some(Scalar::Float(3.0))
        );
        assert_eq!(
            resolve_tagged("3.5", CoreTag::Float, c),
            Some(Scalar::Float(3.5))
        );
        assert_eq!(resolve_tagged("x", CoreTag::Float, c), None);
        assert_eq!(
            resolve_tagged("yes", CoreTag::Bool, k),
            Some(Scalar::Bool(true))
        );
        assert_eq!(resolve_tagged("yes", CoreTag::Bool, c), None);
        assert_eq!(resolve_tagged("~", CoreTag::Null, c), Some(Scalar::Null));
        assert_eq!(resolve_tagged("0", CoreTag::Null, k), None);
    }

    #[test]
    fn core_tags_are_recognized() {
        let t = |h: &str, s: &str| Tag {
            handle: h.to_string(),
            suffix: s.to_string(),
        };
        assert_eq!(core_tag(&t(CORE_PREFIX, "int")), Some(CoreTag::Int));
        assert_eq!(
            core_tag(&t("", "tag:yaml.org,2002:str")),
            Some(CoreTag::Str)
        );
        assert_eq!(core_tag(&t(CORE_PREFIX, "timestamp")), None);
        assert_eq!(core_tag(&t("!", "int")), None);
    }

    #[test]
    fn go_float32_g_formatting() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1000.0, "1000"),
            (123_456.0, "123456"),
            (1e6, "1e+06"),
            (1_234_567.0, "1.234567e+06"),
            (123_456_789.0, "1.2345679e+08"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.5, "-2.5"),
            (1e20, "1e+20"),
            (1e300, ".inf"),
            (-1e300, "-.inf"),
            (0.0, "0"),
            (f64::NAN, ".nan"),
            (3.3, "3.3"),
        ];
        for &(f, want) in cases {
            assert_eq!(go_format_g32(f), want, "{f}");
        }
    }

    #[test]
    fn k8s_key_texts() {
        assert_eq!(k8s_key_text(k8s("yes")).as_deref(), Some("true"));
        assert_eq!(k8s_key_text(k8s("off")).as_deref(), Some("false"));
        assert_eq!(k8s_key_text(k8s("0x10")).as_deref(), Some("16"));
        assert_eq!(k8s_key_text(k8s("~")).as_deref(), Some("null"));
        assert_eq!(k8s_key_text(k8s("1e3")).as_deref(), Some("1000"));
        assert_eq!(k8s_key_text(k8s("1.0")).as_deref(), Some("1"));
        assert_eq!(k8s_key_text(k8s(".inf")).as_deref(), Some(".inf"));
        assert_eq!(k8s_key_text(k8s("name")), None);
    }
}
