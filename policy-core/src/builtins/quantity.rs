//! Kubernetes resource quantities (`k8s.io/apimachinery/pkg/api/resource.Quantity`).
//!
//! The grammar, as in apimachinery:
//!
//! ```text
//! quantity        ::= signedNumber suffix
//! signedNumber    ::= number | sign number
//! sign            ::= "+" | "-"
//! number          ::= digits | digits "." digits | digits "." | "." digits
//! suffix          ::= binarySI | decimalExponent | decimalSI
//! binarySI        ::= Ki | Mi | Gi | Ti | Pi | Ei
//! decimalSI       ::= n | u | m | "" | k | M | G | T | P | E
//! decimalExponent ::= "e" signedInteger | "E" signedInteger
//! ```
//!
//! So `1E` is one exa (10^18) while `1E3` is 1000. The text is taken as is: no surrounding
//! whitespace is allowed, and at least one digit is required (apimachinery reads `-` alone as
//! zero; here it is an error).
//!
//! The result is an exact value: an `Int` when it is an integer that fits `i64` (`1.5Gi` is
//! `1610612736`), otherwise the nearest `Float` (`100m` is `0.1`). Unlike a `Quantity`, values
//! are neither rounded up to nano units nor capped.

use super::collections::cmp_numbers;
use super::{Arg, BuiltinError, BuiltinResult, arg, ok, ordering_value, type_error};
use crate::value::Value;

/// Why a string is not a quantity.
enum QuantityError {
    Malformed,
    OutOfRange,
}

pub(super) fn quantity(args: &[Arg<'_>]) -> BuiltinResult {
    quantity_arg("quantity", "q", arg(args, 0))
}

pub(super) fn quantity_cmp(args: &[Arg<'_>]) -> BuiltinResult {
    let a = quantity_arg("quantity_cmp", "a", arg(args, 0))?;
    let b = quantity_arg("quantity_cmp", "b", arg(args, 1))?;
    match (a, b) {
        (Some(a), Some(b)) => ok(ordering_value(cmp_numbers(&a, &b))),
        _ => Ok(None),
    }
}

/// A quantity argument: numbers pass through, strings are parsed.
fn quantity_arg(func: &str, param: &str, a: Arg<'_>) -> BuiltinResult {
    match a {
        None | Some(Value::Null) => Ok(None),
        Some(v @ (Value::Int(_) | Value::Float(_))) => ok(v.clone()),
        Some(Value::String(s)) => match parse_quantity(s) {
            Ok(v) => ok(v),
            Err(QuantityError::Malformed) => Err(BuiltinError::new(format!(
                "`{func}` cannot parse `{s}` as a Kubernetes quantity"
            ))),
            Err(QuantityError::OutOfRange) => Err(BuiltinError::new(format!(
                "`{func}` cannot represent the quantity `{s}`: it is out of range"
            ))),
        },
        Some(other) => Err(type_error(func, param, "a string or a number", other)),
    }
}

/// The decimal exponent and the power of 1024 of a suffix.
fn suffix_scale(suffix: &str) -> Result<(i64, u32), QuantityError> {
    let scale = match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 1),
        "Mi" => (0, 2),
        "Gi" => (0, 3),
        "Ti" => (0, 4),
        "Pi" => (0, 5),
        "Ei" => (0, 6),
        _ => {
            let exp = suffix
                .strip_prefix('e')
                .or_else(|| suffix.strip_prefix('E'))
                .ok_or(QuantityError::Malformed)?;
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(QuantityError::Malformed);
            }
            (
                exp.parse::<i64>().map_err(|_| QuantityError::OutOfRange)?,
                0,
            )
        }
    };
    Ok(scale)
}

/// Parses a quantity string into an exact int or the nearest float.
fn parse_quantity(s: &str) -> Result<Value, QuantityError> {
    let (negative, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (int_part, rest) = rest
        .split_at_checked(int_len)
        .ok_or(QuantityError::Malformed)?;
    let (frac_part, suffix) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            r.split_at_checked(n).ok_or(QuantityError::Malformed)?
        }
        None => ("", rest),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(QuantityError::Malformed);
    }
    let (exp10, pow1024) = suffix_scale(suffix)?;

    // The value is `digits * 10^exp * 1024^pow1024`, with `digits` free of leading and
    // trailing zeros.
    let all = format!("{int_part}{frac_part}");
    let digits = all.trim_start_matches('0');
    let trimmed = digits.trim_end_matches('0');
    if trimmed.is_empty() {
        return Ok(Value::Int(0));
    }
    let frac_len = i64::try_from(frac_part.len()).map_err(|_| QuantityError::OutOfRange)?;
    let zeros =
        i64::try_from(digits.len() - trimmed.len()).map_err(|_| QuantityError::OutOfRange)?;
    let exp = exp10
        .checked_sub(frac_len)
        .and_then(|e| e.checked_add(zeros))
        .ok_or(QuantityError::OutOfRange)?;
    let bits = 10 * pow1024;

    if let Some(i) = exact_int(negative, trimmed, exp, bits) {
        return Ok(Value::Int(i));
    }
    let sign = if negative { "-" } else { "" };
    // Scaling by a power of two is exact.
    let f = format!("{sign}{trimmed}e{exp}")
        .parse::<f64>()
        .map_err(|_| QuantityError::Malformed)?
        * 2f64.powi(i32::try_from(bits).map_err(|_| QuantityError::OutOfRange)?);
    if f.is_finite() {
        Ok(Value::Float(f))
    } else {
        Err(QuantityError::OutOfRange)
    }
}

/// `±digits * 10^exp * 2^bits` as an `i64`, when it is an integer in range.
fn exact_int(negative: bool, digits: &str, exp: i64, bits: u32) -> Option<i64> {
    let mantissa: u128 = digits.parse().ok()?;
    let scaled = mantissa.checked_mul(1u128.checked_shl(bits)?)?;
    let magnitude = if exp >= 0 {
        scaled.checked_mul(10u128.checked_pow(u32::try_from(exp).ok()?)?)?
    } else {
        let divisor = 10u128.checked_pow(u32::try_from(exp.checked_neg()?).ok()?)?;
        if scaled % divisor != 0 {
            return None;
        }
        scaled / divisor
    };
    let signed = i128::try_from(magnitude).ok()?;
    i64::try_from(if negative { -signed } else { signed }).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::super::test_util::*;
    use crate::value::Value;

    fn q(x: &str) -> Value {
        val("quantity", &[s(x)])
    }

    fn int(x: &str) -> i64 {
        match q(x) {
            Value::Int(i) => i,
            other => panic!("quantity({x}) = {other:?}, expected an int"),
        }
    }

    fn float(x: &str) -> f64 {
        match q(x) {
            Value::Float(f) => f,
            other => panic!("quantity({x}) = {other:?}, expected a float"),
        }
    }

    #[test]
    fn decimal_suffixes() {
        assert_eq!(int("1"), 1);
        assert_eq!(int("0"), 0);
        assert_eq!(int("-0"), 0);
        assert_eq!(int("+5"), 5);
        assert_eq!(int("2k"), 2000);
        assert_eq!(int("1M"), 1_000_000);
        assert_eq!(int("1G"), 1_000_000_000);
        assert_eq!(int("1T"), 1_000_000_000_000);
        assert_eq!(int("1P"), 1_000_000_000_000_000);
        assert_eq!(int("1E"), 1_000_000_000_000_000_000);
        assert_eq!(int("9E"), 9_000_000_000_000_000_000);
        assert_eq!(float("10E"), 1e19);
        assert_eq!(float("1500m"), 1.5);
        assert_eq!(int("2000m"), 2);
        assert_eq!(float("500m"), 0.5);
        assert_eq!(float("100m"), 0.1);
        assert_eq!(float("12n"), 12e-9);
        assert_eq!(float("12u"), 12e-6);
        assert_eq!(int("1000000000n"), 1);
        assert_eq!(float("1.5"), 1.5);
        assert_eq!(int("1.0"), 1);
        assert_eq!(int("1.5k"), 1500);
        assert_eq!(float("-1.5"), -1.5);
        assert_eq!(float(".5"), 0.5);
        assert_eq!(int("5."), 5);
        assert_eq!(int("007"), 7);
        assert_eq!(float("0.000001"), 1e-6);
    }

    #[test]
    fn binary_suffixes() {
        assert_eq!(int("1Ki"), 1024);
        assert_eq!(int("1Mi"), 1 << 20);
        assert_eq!(int("1Gi"), 1_073_741_824);
        assert_eq!(int("1.5Gi"), 1_610_612_736);
        assert_eq!(int("0.5Ki"), 512);
        assert_eq!(float("0.1Ki"), 102.4);
        assert_eq!(int("1Ti"), 1 << 40);
        assert_eq!(int("1Pi"), 1 << 50);
        assert_eq!(int("1Ei"), 1 << 60);
        assert_eq!(int("7Ei"), 7 << 60);
        assert_eq!(float("8Ei"), 9_223_372_036_854_775_808.0);
        assert_eq!(int("-8Ei"), i64::MIN);
    }

    #[test]
    fn exponents() {
        assert_eq!(int("1e3"), 1000);
        assert_eq!(int("1E3"), 1000);
        assert_eq!(int("1e+3"), 1000);
        assert_eq!(float("1e-3"), 0.001);
        assert_eq!(int("1.5e3"), 1500);
        assert_eq!(int("150e-1"), 15);
        assert_eq!(float("1e-400"), 0.0);
        assert_eq!(
            err("quantity", &[s("1e400")]),
            "`quantity` cannot represent the quantity `1e400`: it is out of range"
        );
        assert!(call("quantity", &[s("1e99999999999999999999")]).is_err());
    }

    #[test]
    fn ordering() {
        let cmp = |a: &str, b: &str| val("quantity_cmp", &[s(a), s(b)]);
        assert_eq!(cmp("100m", "1"), Value::Int(-1));
        assert_eq!(cmp("1Gi", "1G"), Value::Int(1));
        assert_eq!(cmp("1000m", "1"), Value::Int(0));
        assert_eq!(cmp("1k", "1e3"), Value::Int(0));
        assert_eq!(
            val("quantity_cmp", &[s("2"), Value::Float(1.5)]),
            Value::Int(1)
        );
        assert_eq!(call_args("quantity_cmp", &[None, Some(&s("1"))]), Ok(None));
        assert!(call("quantity_cmp", &[s("1"), s("x")]).is_err());
    }

    #[test]
    fn numbers_pass_through() {
        assert!(matches!(val("quantity", &[Value::Int(3)]), Value::Int(3)));
        assert!(matches!(val("quantity", &[Value::Float(0.25)]), Value::Float(f) if f == 0.25));
        assert_eq!(call("quantity", &[Value::Null]), Ok(None));
        assert_eq!(call_args("quantity", &[None]), Ok(None));
    }

    #[test]
    fn malformed() {
        assert_eq!(
            err("quantity", &[s("12XYZ")]),
            "`quantity` cannot parse `12XYZ` as a Kubernetes quantity"
        );
        for bad in [
            "", " 1", "1 ", "-", "+", ".", "Gi", "1K", "1gi", "1KI", "1e", "1e+", "1E-", "1ee3",
            "1e3.5", "1.2.3", "--1", "1Gi3", "0x10", "1,5", "１",
        ] {
            assert!(
                call("quantity", &[s(bad)]).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert_eq!(
            err("quantity", &[Value::Bool(true)]),
            "`quantity` expects `q` to be a string or a number, found bool `true`"
        );
    }
}
