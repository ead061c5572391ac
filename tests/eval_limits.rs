//! Evaluation budgets: a rule that would exhaust the stack, the memory or its step budget ends
//! with an evaluation error naming the limit, on the caller's thread and on the worker pool
//! alike, and the scan goes on; work linear in a document always fits its budget.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail by panicking"
)]

use fourc::{Engine, Scan};

/// Ten Pods: enough that the scan evaluates them on the worker pool.
fn pods(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers: []\n")
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn engine(rules: &str) -> Engine {
    Engine::builder()
        .stdlib(false)
        .rule_source("limits.fourc", rules)
        .build()
        .unwrap()
}

/// Runs a scan on a thread with the 2 MiB stack Rust gives spawned threads (and so rayon's
/// workers), as an embedder's thread pool would.
fn on_small_stack(rules: &'static str, docs: String) -> Scan {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || engine(rules).check_str("pods.yaml", &docs))
        .unwrap()
        .join()
        .unwrap()
}

fn rule(deny: &str, functions: &str) -> String {
    format!(
        "rule limits {{\n  title \"limits\"\n  controls [cluster.pod-security]\n  severity low\n  on Pod as p\n  deny {deny}\n}}\n{functions}\n"
    )
}

fn errors(scan: &Scan) -> Vec<String> {
    scan.report
        .errors
        .iter()
        .map(|e| e.message().to_string())
        .collect()
}

/// An 80-level expression inside a 64-deep recursion: valid, and once a stack overflow that
/// aborted the process with no report when the documents ran on worker threads.
#[test]
fn deep_nesting_on_worker_threads_is_an_evaluation_error() {
    let mut e = "n".to_string();
    for _ in 0..80 {
        e = format!("({e} + 0)");
    }
    let rules = rule(
        "f(64) > 0",
        &format!("fn f(n) = if n <= 0 then 1 else f(n - 1) + {e}"),
    );
    let rules: &'static str = Box::leak(rules.into_boxed_str());
    for n in [1, 10] {
        let scan = on_small_stack(rules, pods(n));
        assert!(scan.report.findings.is_empty());
        let errs = errors(&scan);
        assert_eq!(errs.len(), n, "{errs:?}");
        assert!(
            errs.iter()
                .all(|m| m.contains("nest expressions deeper than")),
            "{errs:?}"
        );
    }
}

/// The nesting limit leaves room for real recursion: 64 calls of a small function decide.
#[test]
fn recursion_within_the_nesting_limit_decides() {
    let rules = rule(
        "f(63) > 0",
        "fn f(n) = if n <= 0 then 1 else f(n - 1) + (n * 0)",
    );
    let rules: &'static str = Box::leak(rules.into_boxed_str());
    let scan = on_small_stack(rules, pods(10));
    assert!(scan.report.errors.is_empty(), "{:?}", errors(&scan));
    assert_eq!(scan.report.findings.len(), 10);
}

/// Doubling a string 40 times would build a terabyte; the byte budget stops it.
#[test]
fn doubling_a_string_ends_with_an_evaluation_error() {
    let rules = rule(
        "count(split(dbl(\"ab\", 40), \"\")) > 0",
        "fn dbl(s, n) = if n <= 0 then s else dbl(s + s, n - 1)",
    );
    let scan = engine(&rules).check_str("pods.yaml", &pods(2));
    let errs = errors(&scan);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs.iter().all(|m| m.contains("bytes of values")),
        "{errs:?}"
    );
}

/// The same with lists, with interpolation, and through `flatten`.
#[test]
fn doubling_lists_and_interpolated_strings_ends_with_an_evaluation_error() {
    for (deny, functions) in [
        (
            "count(dbl([1], 40)) > 0",
            "fn dbl(xs, n) = if n <= 0 then xs else dbl(xs ++ xs, n - 1)",
        ),
        (
            "dbl(\"ab\", 40) == \"\"",
            "fn dbl(s, n) = if n <= 0 then s else dbl(\"{s}{s}\", n - 1)",
        ),
        (
            "count(dbl([1], 40)) > 0",
            "fn dbl(xs, n) = if n <= 0 then xs else dbl(flatten([xs, xs]), n - 1)",
        ),
    ] {
        let scan = engine(&rule(deny, functions)).check_str("pods.yaml", &pods(1));
        let errs = errors(&scan);
        assert_eq!(errs.len(), 1, "{deny}: {errs:?}");
        assert!(errs[0].contains("bytes of values"), "{deny}: {errs:?}");
    }
}

/// One builtin call whose result dwarfs its arguments is refused before it is built.
#[test]
fn a_builtin_result_over_the_value_cap_is_refused() {
    for (deny, name) in [
        // 2^20 characters, each replaced by 2^20 characters: a terabyte in one call.
        (
            "count(replace(dbl(\"a\", 20), \"a\", dbl(\"b\", 20))) > 0",
            "replace",
        ),
        // 2^20 one-character items joined by 256 characters.
        (
            "count(join(split(dbl(\"a\", 20), \"\"), dbl(\"b\", 8))) > 0",
            "join",
        ),
    ] {
        let functions = "fn dbl(s, n) = if n <= 0 then s else dbl(s + s, n - 1)";
        let scan = engine(&rule(deny, functions)).check_str("pods.yaml", &pods(1));
        let errs = errors(&scan);
        assert_eq!(errs.len(), 1, "{name}: {errs:?}");
        assert!(
            errs[0].contains(&format!("`{name}` would build")),
            "{name}: {errs:?}"
        );
    }
}

/// 150,000 filler keys before a credential once made the secrets rule run out of budget, and so
/// hid the credential. The budget grows with the document, so the rule decides.
#[test]
fn a_credential_after_150k_keys_is_found() {
    let mut doc = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    for i in 0..150_000 {
        doc.push_str(&format!("  k{i:06}: v\n"));
    }
    doc.push_str("  db_password: Tr0ub4dor3x\n");
    let engine = Engine::builder()
        .disable_control("cluster.pod-security")
        .build()
        .unwrap();
    let scan = engine.check_str("big.yaml", &doc);
    assert!(scan.load_errors.is_empty(), "{:?}", scan.load_errors);
    assert!(scan.report.errors.is_empty(), "{:?}", errors(&scan));
    let found: Vec<_> = scan
        .report
        .findings
        .iter()
        .filter(|f| &*f.rule().id == "secrets-literal-configmap")
        .collect();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path(), "data.db_password");
    assert_eq!(found[0].line(), 150_006);
}

/// A regular expression taken from the document costs steps by the bytes it reads, so matching
/// a long string over and over runs out of budget instead of running for minutes.
#[test]
fn regex_work_from_data_is_charged_by_size() {
    let rules = rule(
        "any x in split(dbl(\"a\", 12), \"\") : dbl(\"b\", 16) matches p.metadata.annotations.re",
        "fn dbl(s, n) = if n <= 0 then s else dbl(s + s, n - 1)",
    );
    let doc = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    re: \"a$\"\nspec:\n  containers: []\n";
    let scan = engine(&rules).check_str("pod.yaml", doc);
    let errs = errors(&scan);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("exceeded the budget"), "{errs:?}");
    // The same rule over a short string decides.
    let short = rules.replace("dbl(\"b\", 16)", "\"ba\"");
    let scan = engine(&short).check_str("pod.yaml", doc);
    assert!(scan.report.errors.is_empty(), "{:?}", errors(&scan));
    assert_eq!(scan.report.findings.len(), 1);
}

/// Every kind of expression, nested up to the limit through recursion, fits the 2 MiB stack of
/// a worker thread: the recursion deepens until the nesting limit stops it, and no depth on the
/// way overflows the stack.
#[test]
fn every_expression_form_fits_a_worker_stack_up_to_the_nesting_limit() {
    let forms = [
        "(X and true)",
        "(not not X)",
        "(any y in [1] : X)",
        "(count([z for z in [1] if X]) > 0)",
        "(count([X]) > 0)",
        "(if X then true else false)",
        "(\"{X}\" == \"true\")",
        "id(X)",
        "(X ?? false)",
    ];
    for form in forms {
        let mut body = "f(n - 1)".to_string();
        for _ in 0..4 {
            body = form.replace('X', &body);
        }
        let functions = format!(
            "param depth: int = 1 \"recursion depth\"\nfn id(b) = b\nfn f(n) = if n <= 0 then true else {body}"
        );
        let rules = rule("f(depth)", &functions);
        let mut decided = 0;
        for depth in 1i64..400 {
            let engine = Engine::builder()
                .stdlib(false)
                .rule_source("limits.fourc", &rules)
                .param("depth", fourc::value::Value::from(depth))
                .build()
                .unwrap();
            let docs = pods(10);
            let scan = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || engine.check_str("pods.yaml", &docs))
                .unwrap()
                .join()
                .unwrap();
            let errs = errors(&scan);
            if errs.is_empty() {
                assert_eq!(scan.report.findings.len(), 10, "{form} at {depth}");
                decided = depth;
                continue;
            }
            assert!(
                errs.iter()
                    .all(|m| m.contains("nest expressions deeper than")
                        || m.contains("calls nested deeper than")),
                "{form} at {depth}: {errs:?}"
            );
            break;
        }
        assert!(decided >= 8, "{form}: only {decided} calls deep decide");
    }
}
