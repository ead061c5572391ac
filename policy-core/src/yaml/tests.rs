#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::float_cmp
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::document::YamlCompat;
use crate::value::{Node, Value};

thread_local! {
    /// The source the test loaded last: spans are bytes of it.
    static LAST: std::cell::RefCell<Option<Arc<Source>>> = const { std::cell::RefCell::new(None) };
}

fn load(text: &str) -> Loaded {
    load_with(text, &LoadOptions::default())
}

fn load_with(text: &str, opts: &LoadOptions) -> Loaded {
    let src = Source::new("t.yaml", text);
    LAST.with(|l| *l.borrow_mut() = Some(src.clone()));
    load_str(&src, opts)
}

/// Line and column of a span of the last loaded source.
fn lines(n: &Node) -> crate::document::LineCols {
    LAST.with(|l| l.borrow().as_ref().unwrap().lines_of(n.span))
}

fn yaml12() -> LoadOptions {
    LoadOptions {
        compat: YamlCompat::Yaml12,
        ..LoadOptions::default()
    }
}

/// The only document, with no errors.
fn one(text: &str) -> Node {
    one_with(text, &LoadOptions::default())
}

fn one_with(text: &str, opts: &LoadOptions) -> Node {
    let l = load_with(text, opts);
    assert!(l.errors.is_empty(), "unexpected errors: {:?}", l.errors);
    assert_eq!(l.documents.len(), 1, "documents: {:?}", l.documents);
    l.documents[0].root().clone()
}

/// The only error (and no documents).
fn only_error(l: &Loaded) -> &LoadError {
    assert_eq!(l.errors.len(), 1, "errors: {:?}", l.errors);
    &l.errors[0]
}

/// 1-based line and column (in characters) of the `nth` (0-based) occurrence of `needle`.
fn pos_of(text: &str, needle: &str, nth: usize) -> (u32, u32) {
    let (byte, _) = text.match_indices(needle).nth(nth).unwrap();
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line as u32, col as u32)
}

fn at(n: &Node) -> (u32, u32) {
    let l = lines(n);
    (l.line, l.col)
}

fn end(n: &Node) -> (u32, u32) {
    let l = lines(n);
    (l.end_line, l.end_col)
}

fn list(n: &Node) -> &crate::value::List {
    match &n.value {
        Value::List(l) => l,
        other => panic!("not a list: {other:?}"),
    }
}

fn map(n: &Node) -> &crate::value::Map {
    match &n.value {
        Value::Map(m) => m,
        other => panic!("not a map: {other:?}"),
    }
}

fn get<'a>(n: &'a Node, path: &[&str]) -> &'a Node {
    n.get_path(path)
        .unwrap_or_else(|| panic!("no {path:?} in {n:?}"))
}

const DEPLOYMENT: &str = "\
# a deployment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web, tier: \"front\"}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          image: nginx:1.25
          securityContext:
            runAsNonRoot: yes
        - name: sidecar
          image: \"busybox\"
          securityContext:
            privileged: true
            capabilities:
              add: [NET_ADMIN, SYS_TIME]

      volumes:
      - name: data
        configMap:
          defaultMode: 0644
          items:
          - key: a
            path: |
              multi
              line
";

#[test]
fn mapping_values_span_from_their_key() {
    let root = one(DEPLOYMENT);
    let containers = get(&root, &["spec", "template", "spec", "containers"]);
    let sidecar = list(containers).get(1).unwrap();
    let privileged = get(sidecar, &["securityContext", "privileged"]);
    assert!(matches!(privileged.value, Value::Bool(true)));
    assert_eq!(at(privileged), pos_of(DEPLOYMENT, "privileged:", 0));
    assert_eq!(at(privileged), (20, 13));
    // ends just past `true`
    assert_eq!(end(privileged), (20, 29));
    // a sequence item has its own span: the map starts at `name`, after `- `
    assert_eq!(at(sidecar), pos_of(DEPLOYMENT, "name: sidecar", 0));
    // the list value spans from `containers:` to the end of its last item
    assert_eq!(at(containers), pos_of(DEPLOYMENT, "containers:", 0));
    assert_eq!(end(containers), (22, 41));
    let image = get(sidecar, &["image"]);
    assert_eq!(image.as_str(), Some("busybox"));
    assert_eq!(at(image), pos_of(DEPLOYMENT, "image: \"busybox\"", 0));
    assert_eq!(end(image), (18, 27));
    // the root starts at its first key
    assert_eq!(at(&root), (2, 1));
    let add = get(sidecar, &["securityContext", "capabilities", "add"]);
    assert_eq!(
        at(&list(add).as_slice()[1]),
        pos_of(DEPLOYMENT, "SYS_TIME", 0)
    );
}

#[test]
fn block_collections_end_at_their_last_child() {
    let text = "a:\n  b: 1\n  c: [x, y]\n\n# trailing comment\n\nd:\n  - p\n  - q: 1\n\n\ne: z\n";
    let root = one(text);
    let a = get(&root, &["a"]);
    // the MappingEnd event sits at `d` (line 7); the map really ends after `]` on line 3
    assert_eq!(at(a), (1, 1));
    assert_eq!(end(a), (3, 12));
    let c = get(&root, &["a", "c"]);
    assert_eq!((at(c), end(c)), ((3, 3), (3, 12)));
    let d = get(&root, &["d"]);
    assert_eq!((at(d), end(d)), ((7, 1), (9, 9)));
    let q = &list(d).as_slice()[1];
    assert_eq!((at(q), end(q)), ((9, 5), (9, 9)));
    assert_eq!(end(&root), (12, 5));
    // a block scalar ends on its last line, not at the start of the next one
    let root = one(DEPLOYMENT);
    let items = get(&root, &["spec", "template", "spec", "volumes"]);
    let path = get(&list(items).as_slice()[0], &["configMap", "items"]);
    let path = get(&list(path).as_slice()[0], &["path"]);
    assert_eq!(path.as_str(), Some("multi\nline\n"));
    assert_eq!(at(path), pos_of(DEPLOYMENT, "path: |", 0));
    assert_eq!(end(path), (32, 19));
    // indentless sequences (items at the key's indentation), inside and at the end
    for text in [
        "a:\n- x\n- yy\n\n# c\nb: 1\n",
        "a:\n- x\n- yy\n\n# c\n",
        "a:\n- x\n- yy\n...\n",
    ] {
        let root = one(text);
        let a = get(&root, &["a"]);
        assert_eq!((at(a), end(a)), ((1, 1), (3, 5)), "{text:?}");
    }
    // an empty value spans its key and colon
    let root = one("a:\nb: 1\n");
    let a = get(&root, &["a"]);
    assert!(matches!(a.value, Value::Null));
    assert_eq!((at(a), end(a)), ((1, 1), (1, 2)));
}

#[test]
fn columns_count_characters_not_bytes() {
    let text = "naïve: { ключ: значение, x: 1 }\n";
    let root = one(text);
    let x = get(&root, &["naïve", "x"]);
    assert_eq!(at(x), (1, 26));
    assert_eq!(at(x), pos_of(text, "x:", 0));
}

#[test]
fn kubernetes_scalars() {
    let root = one(
        "a: yes\nb: off\nc: 0644\nd: 0x1F\ne: 08\nf: 1_000\ng: .inf\nh: ~\ni: 1e3\nj: 2001-12-14\n\
         k: '0644'\nl: \"yes\"\nm: |\n  123\nnn: -.5\no: 12345678901234567890\np: null\nq: N\n",
    );
    let v = |k: &str| get(&root, &[k]).value.clone();
    assert_eq!(v("a"), Value::Bool(true));
    assert_eq!(v("b"), Value::Bool(false));
    assert!(matches!(v("c"), Value::Int(420)));
    assert!(matches!(v("d"), Value::Int(31)));
    assert!(matches!(v("e"), Value::Float(f) if f == 8.0));
    assert!(matches!(v("f"), Value::Int(1000)));
    assert!(matches!(v("g"), Value::Float(f) if f == f64::INFINITY));
    assert!(matches!(v("h"), Value::Null));
    assert!(matches!(v("i"), Value::Float(f) if f == 1000.0));
    assert_eq!(v("j").as_str(), Some("2001-12-14"));
    assert_eq!(v("k").as_str(), Some("0644"));
    assert_eq!(v("l").as_str(), Some("yes"));
    assert_eq!(v("m").as_str(), Some("123\n"));
    assert!(matches!(v("nn"), Value::Float(f) if f == -0.5));
    // a key `n` would be the string `false`, as kubectl reads it
    assert!(one("n: 1\n").get("false").is_some());
    assert!(matches!(v("o"), Value::Float(f) if f == 12_345_678_901_234_567_890.0));
    assert!(matches!(v("p"), Value::Null));
    assert_eq!(v("q"), Value::Bool(false));
}

#[test]
fn yaml12_scalars() {
    let root = one_with(
        "a: yes\nb: 0644\nc: 0o644\nd: true\ne: 1_000\nf: 0x1F\ng: Off\nh: 1.5\n",
        &yaml12(),
    );
    let v = |k: &str| get(&root, &[k]).value.clone();
    assert_eq!(v("a").as_str(), Some("yes"));
    assert!(matches!(v("b"), Value::Int(644)));
    assert!(matches!(v("c"), Value::Int(420)));
    assert_eq!(v("d"), Value::Bool(true));
    assert_eq!(v("e").as_str(), Some("1_000"));
    assert!(matches!(v("f"), Value::Int(31)));
    assert_eq!(v("g").as_str(), Some("Off"));
    assert!(matches!(v("h"), Value::Float(f) if f == 1.5));
}

#[test]
fn tags_force_types() {
    let root = one(
        "a: !!str 0644\nb: !!int \"42\"\nc: !!float 3\nd: !!bool 'on'\ne: !!null ''\n\
         f: !custom 12\ng: !!str\nh: !!timestamp 2001-12-14\ni: !<tag:yaml.org,2002:str> yes\n",
    );
    let v = |k: &str| get(&root, &[k]).value.clone();
    assert_eq!(v("a").as_str(), Some("0644"));
    assert!(matches!(v("b"), Value::Int(42)));
    assert!(matches!(v("c"), Value::Float(f) if f == 3.0));
    assert_eq!(v("d"), Value::Bool(true));
    assert!(matches!(v("e"), Value::Null));
    assert!(matches!(v("f"), Value::Int(12)));
    assert_eq!(v("g").as_str(), Some(""));
    assert_eq!(v("h").as_str(), Some("2001-12-14"));
    assert_eq!(v("i").as_str(), Some("yes"));

    let l = load("a: 1\n---\nb: !!int twelve\n---\nc: 3\n");
    assert_eq!(l.documents.len(), 2);
    let e = only_error(&l);
    assert_eq!((e.line, e.col), (3, 4));
    assert_eq!(e.message, "`twelve` is not a valid `!!int` value");
}

#[test]
fn kubernetes_keys_become_strings_like_kubectl() {
    let root = one("yes: 1\n0x10: 2\n~: 3\n1e3: 4\n0644: 5\n\"no\": 6\noff: 7\n1.50: 8\n");
    let keys: Vec<String> = map(&root).keys().map(|k| k.to_string()).collect();
    assert_eq!(
        keys,
        ["true", "16", "null", "1000", "420", "no", "false", "1.5"]
    );
    let root = one_with("yes: 1\n0x10: 2\n~: 3\n", &yaml12());
    let keys: Vec<String> = map(&root).keys().map(|k| k.to_string()).collect();
    assert_eq!(keys, ["yes", "0x10", "~"]);
    // `on` and `true` collide after conversion: a duplicate, as kubectl would see it
    let l = load("on: 1\ntrue: 2\n");
    assert_eq!(
        only_error(&l).message,
        "duplicate key `true` (first at line 1)"
    );
}

#[test]
fn complex_keys_are_errors() {
    for text in ["? [a, b]\n: 1\n", "{a: 1}: x\n", "? {a: 1}\n: 2\n"] {
        let l = load(&format!("ok: 1\n---\n{text}---\nok: 2\n"));
        assert_eq!(l.documents.len(), 2, "{text}");
        let e = only_error(&l);
        assert!(
            e.message.starts_with("complex keys are not supported"),
            "{e:?}"
        );
        assert_eq!(e.line, 3, "{text}");
    }
}

#[test]
fn duplicate_keys_drop_the_document() {
    let text = "kind: A\n---\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: good\n    \
                securityContext: {}\n    image: evil\n---\nkind: C\n";
    let l = load(text);
    let kinds: Vec<_> = l.documents.iter().map(|d| d.kind().unwrap()).collect();
    assert_eq!(kinds, ["A", "C"]);
    let e = only_error(&l);
    assert_eq!(e.message, "duplicate key `image` (first at line 7)");
    assert_eq!((e.line, e.col), pos_of(text, "image: evil", 0));
    assert_eq!(
        e.to_string(),
        "t.yaml:9:5: duplicate key `image` (first at line 7)"
    );
    // flow maps and big maps (hash-indexed) too
    let l = load("{a: 1, b: 2, a: 3}");
    assert_eq!(
        only_error(&l).message,
        "duplicate key `a` (first at line 1)"
    );
    let mut big: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
    big.push_str("k42: again\n");
    let l = load(&big);
    let e = only_error(&l);
    assert_eq!(e.message, "duplicate key `k42` (first at line 43)");
    assert_eq!((e.line, e.col), (101, 1));
    // a quoted key equal to a plain one is the same key
    let l = load("a: 1\n\"a\": 2\n");
    assert_eq!(
        only_error(&l).message,
        "duplicate key `a` (first at line 1)"
    );
    // and so is an alias of a string value
    let l = load("x: &k image\nimage: a\n*k : b\n");
    let e = only_error(&l);
    assert_eq!(e.message, "duplicate key `image` (first at line 2)");
    assert_eq!((e.line, e.col), (3, 1));
}

#[test]
fn merge_keys() {
    let text = "\
base: &base {a: 1, b: 2, c: 3}
over: &over {b: 20, d: 40}
one:
  <<: *base
  c: 30
list:
  x: 0
  <<: [*over, *base]
  a: 10
late:
  <<: *base
  a: 100
";
    let root = one(text);
    let m = |k: &str| -> Vec<(String, String)> {
        map(get(&root, &[k]))
            .iter()
            .map(|(k, v)| (k.to_string(), v.value.to_string()))
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    // merged entries take the place of `<<`; explicit keys win wherever they are
    assert_eq!(m("one"), pairs(&[("a", "1"), ("b", "2"), ("c", "30")]));
    // earlier maps in a `<<` list win over later ones
    assert_eq!(
        m("list"),
        pairs(&[
            ("x", "0"),
            ("b", "20"),
            ("d", "40"),
            ("c", "3"),
            ("a", "10")
        ])
    );
    assert_eq!(m("late"), pairs(&[("b", "2"), ("c", "3"), ("a", "100")]));
    // merged nodes keep the spans of the anchored text
    let b = get(&root, &["one", "b"]);
    assert_eq!(at(b), pos_of(text, "b: 2", 0));
    // a second `<<` is a duplicate key (see merge_a_second_merge_key_is_a_duplicate)
    let l = load("a: &a {x: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: *a\n  <<: *b\n");
    assert_eq!(
        only_error(&l).message,
        "duplicate key `<<` (first at line 4)"
    );
    // a quoted `<<` is an ordinary key
    let root = one("\"<<\": {a: 1}\n");
    assert!(get(&root, &["<<", "a"]).value == Value::Int(1));

    for (text, what) in [
        ("a: &x 1\nb:\n  <<: *x\n", "found an int"),
        (
            "b:\n  <<: [{a: 1}, 2]\n",
            "found a list item that is an int",
        ),
        ("b:\n  <<: hello\n", "found a string"),
    ] {
        let l = load(text);
        let e = only_error(&l);
        assert!(
            e.message
                .starts_with("merge key `<<` needs a map or a list of maps")
                && e.message.ends_with(what),
            "{e:?}"
        );
    }
}

#[test]
fn aliases_share_the_anchored_tree() {
    let text = "a: &x\n  deep: {v: 1}\nb: *x\nc: [*x, *x]\n";
    let root = one(text);
    let a = map(get(&root, &["a"]));
    let b = map(get(&root, &["b"]));
    assert!(a.ptr_eq(b));
    // the alias node sits at the alias; what it shares keeps the anchored spans
    assert_eq!(at(get(&root, &["b"])), (3, 1));
    assert_eq!(end(get(&root, &["b"])), (3, 6));
    assert_eq!(at(get(&root, &["b", "deep", "v"])), pos_of(text, "v: 1", 0));
    let c = list(get(&root, &["c"]));
    assert_eq!(at(&c.as_slice()[1]), pos_of(text, "*x", 2));
    // scalar aliases and aliases as keys
    let root = one("a: &n 0x10\nb: *n\nk: &k name\n*k : v\n");
    assert!(matches!(get(&root, &["b"]).value, Value::Int(16)));
    assert_eq!(get(&root, &["name"]).as_str(), Some("v"));
}

#[test]
fn bad_aliases_are_errors() {
    // unknown anchor: the parser itself stops the stream
    let l = load("ok: 1\n---\na: *nope\n");
    assert_eq!(l.documents.len(), 1);
    let e = only_error(&l);
    assert_eq!((e.line, e.col), (3, 4));
    assert!(e.message.contains("unknown anchor"), "{e:?}");
    // anchors do not carry across documents
    let l = load("a: &x 1\n---\nb: *x\n---\nc: 3\n");
    assert_eq!(l.documents.len(), 2);
    let e = only_error(&l);
    assert_eq!((e.line, e.col), (3, 4));
    assert!(e.message.contains("`*x`"), "{e:?}");
    // an alias inside its own anchor
    let l = load("a: &x [1, *x]\n");
    let e = only_error(&l);
    assert_eq!(e.message, "alias `*x` is used inside its own anchor");
}

fn billion_laughs() -> String {
    let mut s = String::from(
        "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..=9 {
        let p = i - 1;
        s.push_str(&format!(
            "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
        ));
    }
    s
}

#[test]
fn alias_bombs_fail_fast() {
    let text = billion_laughs();
    let t = Instant::now();
    let l = load(&format!("first: ok\n---\n{text}---\nnever: read\n"));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(l.documents.len(), 1);
    let e = only_error(&l);
    assert_eq!(
        e.message,
        "document expands to more than 10000000 nodes through aliases (possible alias bomb)"
    );
    // a plain input over the node limit gets its own message
    let opts = LoadOptions {
        max_nodes: 10,
        ..LoadOptions::default()
    };
    let l = load_with("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n", &opts);
    assert_eq!(
        only_error(&l).message,
        "input has more than 10 nodes (see max_nodes)"
    );
    // aliases within the limit are fine
    let opts = LoadOptions {
        max_nodes: 200,
        ..LoadOptions::default()
    };
    let l = load_with(
        "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
        &opts,
    );
    assert!(l.errors.is_empty());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let cases = [
        ("[".repeat(100_000), "nesting deeper than", 3),
        (
            "- ".repeat(100_000) + "x\n",
            "nesting deeper than 256 levels",
            3,
        ),
        (
            (0..2000)
                .map(|i| format!("{}a:\n", " ".repeat(i)))
                .collect::<String>(),
            "nesting deeper than 256 levels",
            // the 257th map starts on the 257th line of the document
            259,
        ),
        ("{a: ".repeat(100_000), "nesting deeper than", 3),
    ];
    for (text, want, line) in cases {
        let t = Instant::now();
        let l = load(&format!("ok: 1\n---\n{text}"));
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert_eq!(l.documents.len(), 1);
        let e = only_error(&l);
        assert!(e.message.starts_with(want), "{e:?}");
        assert_eq!(e.line, line);
    }
    // exactly max_depth levels are fine
    let opts = LoadOptions {
        max_depth: 4,
        ..LoadOptions::default()
    };
    assert!(load_with("a: {b: [{c: 1}]}", &opts).errors.is_empty());
    let l = load_with("a: {b: [{c: [1]}]}", &opts);
    let e = only_error(&l);
    assert_eq!(
        (e.message.as_str(), e.line, e.col),
        ("nesting deeper than 4 levels", 1, 13)
    );
}

#[test]
fn lists_and_non_objects() {
    let text = "\
# only a comment
---
---
apiVersion: v1
kind: List
items:
- kind: ConfigMap
  metadata: {name: one}
- just a string
- kind: Secret
  metadata: {name: two}
---
- a
- b
--- null
---
plain text
---
kind: List
apiVersion: example/v2
items: []
---
kind: List
items: {not: a list}
";
    let l = load(text);
    let ids: Vec<String> = l.documents.iter().map(|d| d.id().to_string()).collect();
    assert_eq!(ids, ["ConfigMap/one", "Secret/two", "List/<no name>"]);
    let idx: Vec<u32> = l.documents.iter().map(|d| d.index()).collect();
    assert_eq!(idx, [0, 1, 2]);
    let errs: Vec<(u32, u32, &str)> = l
        .errors
        .iter()
        .map(|e| (e.line, e.col, e.message.as_str()))
        .collect();
    assert_eq!(
        errs,
        [
            (
                9,
                3,
                "item of a `kind: List` is not an object; found a string"
            ),
            (13, 1, "document is not an object; found a list"),
            (17, 1, "document is not an object; found a string"),
        ]
    );
    // list items carry their own spans
    assert_eq!(at(l.documents[1].root()), (10, 3));
    assert!(load("").documents.is_empty() && load("").errors.is_empty());
    assert!(load("# nothing\n...\n").errors.is_empty());
}

#[test]
fn syntax_errors_keep_earlier_documents() {
    let text = "a: 1\n---\nb: 2\n---\nc: [1, 2\nd: 4\n---\ne: 5\n";
    let l = load(text);
    let kinds: Vec<String> = l
        .documents
        .iter()
        .map(|d| map(d.root()).keys().next().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["a", "b"]);
    let e = only_error(&l);
    assert!(e.line >= 5 && e.col >= 1, "{e:?}");
    assert!(e.message.chars().next().unwrap().is_lowercase(), "{e:?}");
    assert!(!e.message.ends_with('.'));
    let l = load("a: b: c\n");
    let e = only_error(&l);
    assert_eq!((e.line, e.col), (1, 5));
    assert_eq!(e.message, "mapping values are not allowed in this context");
}

#[test]
fn json_goes_through_the_same_path() {
    let text = "{\n  \"kind\": \"Pod\",\n  \"spec\": {\"hostNetwork\": true, \"n\": 1.5e2, \"p\": [80, 443]}\n}\n";
    let root = one(text);
    assert_eq!(get(&root, &["kind"]).as_str(), Some("Pod"));
    let hn = get(&root, &["spec", "hostNetwork"]);
    assert_eq!(hn.value, Value::Bool(true));
    assert_eq!(at(hn), pos_of(text, "\"hostNetwork\"", 0));
    assert!(matches!(get(&root, &["spec", "n"]).value, Value::Float(f) if f == 150.0));
    assert_eq!(end(&root), (4, 2));
}

#[test]
fn keys_are_interned_per_load() {
    let l = load("metadata: {name: a}\n---\nmetadata: {name: b}\n");
    let k = |i: usize| map(l.documents[i].root()).keys().next().unwrap().clone();
    assert!(Arc::ptr_eq(&k(0), &k(1)));
}

#[test]
fn bytes_limits_and_encoding() {
    let opts = LoadOptions {
        max_bytes: 10,
        ..LoadOptions::default()
    };
    let l = load_bytes("big.yaml", b"a: 1\nb: 2\nc: 3\n", &opts);
    let e = only_error(&l);
    assert_eq!(
        e.message,
        "input is 15 bytes; the limit is 10 bytes (see max_bytes)"
    );
    assert_eq!((&*e.source_name, e.line), ("big.yaml", 0));

    let l = load_bytes(
        "bad.yaml",
        b"a: 1\nb: \xc3\xa9\xff x\n",
        &LoadOptions::default(),
    );
    let e = only_error(&l);
    assert_eq!((e.line, e.col), (2, 5));
    assert_eq!(e.message, "input is not valid utf-8 (byte 0xff)");

    let l = load_bytes("u16.yaml", b"\xff\xfea\x00", &LoadOptions::default());
    assert_eq!(
        only_error(&l).message,
        "input is utf-16; only utf-8 is supported"
    );

    let l = load_bytes(
        "bom.yaml",
        "\u{feff}a: 1\n".as_bytes(),
        &LoadOptions::default(),
    );
    assert!(l.errors.is_empty());
    let d = &l.documents[0];
    assert_eq!(d.source().name(), "bom.yaml");
    assert_eq!(
        d.source().line_col(get(d.root(), &["a"]).span.start()),
        (1, 1)
    );
    assert_eq!(d.source().text(), "a: 1\n");
}

#[test]
fn readers_are_bounded() {
    let opts = LoadOptions {
        max_bytes: 1000,
        ..LoadOptions::default()
    };
    let l = load_reader("-", std::io::repeat(b'a'), &opts);
    assert_eq!(
        only_error(&l).message,
        "input is more than 1000 bytes; the limit is 1000 bytes (see max_bytes)"
    );
    let l = load_reader("-", &b"\xef\xbb\xbfkind: Pod\n"[..], &opts);
    assert_eq!(l.documents[0].kind(), Some("Pod"));
    assert_eq!(l.documents[0].source().name(), "-");
}

#[test]
fn paths_check_size_before_reading() {
    let dir = std::env::temp_dir().join(format!("fourc-yaml-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // a sparse 4 GiB file: reading it would take long and need the memory
    let huge = dir.join("huge.yaml");
    let f = std::fs::File::create(&huge).unwrap();
    f.set_len(4 << 30).unwrap();
    drop(f);
    let t = Instant::now();
    let l = load_path(&huge, &LoadOptions::default());
    assert!(t.elapsed() < Duration::from_millis(500));
    let e = only_error(&l);
    assert_eq!(
        e.message,
        "file is 4294967296 bytes; the limit is 67108864 bytes (see max_bytes)"
    );
    assert_eq!(&*e.source_name, huge.display().to_string());

    let ok = dir.join("ok.yaml");
    std::fs::write(&ok, "kind: Pod\nmetadata:\n  name: p\n").unwrap();
    let l = load_path(&ok, &LoadOptions::default());
    assert_eq!(l.documents[0].id().to_string(), "Pod/p");
    assert_eq!(l.documents[0].source().name(), ok.display().to_string());

    let l = load_path(&dir.join("missing.yaml"), &LoadOptions::default());
    assert!(
        only_error(&l)
            .message
            .starts_with("cannot read: no such file")
    );
    let l = load_path(&dir, &LoadOptions::default());
    assert_eq!(
        only_error(&l).message,
        "cannot read a directory as a document"
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // a special file that reports no size is still bounded
    let zero = std::path::Path::new("/dev/zero");
    if zero.exists() {
        let opts = LoadOptions {
            max_bytes: 4096,
            ..LoadOptions::default()
        };
        let l = load_path(zero, &opts);
        assert!(
            only_error(&l)
                .message
                .starts_with("input is more than 4096 bytes")
        );
    }
}

/// A stream of `n` varied documents: block scalars, anchors and merges, flow collections,
/// `kind: List`, comments, `...` ends, CRLF lines and an empty document.
#[cfg(feature = "parallel")]
fn varied_stream(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        match i % 7 {
            0 => s.push_str(&format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}, labels: {{a: b}}}}\ndata:\n  script: |\n    #!/bin/sh\n    echo {i}\n\n  folded: >-\n    one\n    two\n"
            )),
            1 => s.push_str(&format!(
                "# a comment\nbase: &b {{x: 1, y: [1, 2]}}\nkind: Pod\nmetadata:\n  name: p-{i}\nspec:\n  <<: *b\n  x: 2\n  containers:\n  - name: c\n    image: 'nginx:{i}'\n    ports: [{{containerPort: 80}}]\n"
            )),
            2 => s.push_str(&format!(
                "kind: List\nitems:\n- kind: Service\n  metadata: {{name: s-{i}}}\n- kind: Service\n  metadata: {{name: t-{i}}}\n...\n"
            )),
            3 => s.push_str("# only a comment\n"),
            4 => s.push_str(&format!(
                "kind: Deployment\r\nmetadata:\r\n  name: \"d-{i}\"\r\nspec:\r\n  replicas: 0x1F\r\n  paused: yes\r\n"
            )),
            5 => s.push_str(&format!("--- # marker with a comment\nkind: Secret\nmetadata: {{name: x-{i}}}\nstringData: {{k: \"v\\n---\\n\"}}\n")),
            _ => s.push_str(&format!("kind: Job\nmetadata:\n  name: j-{i}\n  annotations:\n    note: >\n      ---not a marker\n")),
        }
        s.push_str("---\n");
    }
    s
}

#[cfg(feature = "parallel")]
fn load_on(threads: usize, text: &str, opts: &LoadOptions) -> (Vec<String>, Vec<LoadError>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let l = pool.install(|| load_with(text, opts));
    let docs = l
        .documents
        .iter()
        .map(|d| format!("{} {} {:?}", d.index(), d.id(), d.root()))
        .collect();
    (docs, l.errors)
}

#[cfg(feature = "parallel")]
#[test]
fn a_large_stream_loads_in_parallel_exactly_as_sequentially() {
    let text = varied_stream(6000);
    assert!(text.len() > 512 << 10, "{}", text.len());
    let opts = LoadOptions::default();
    let (one, errs) = load_on(1, &text, &opts);
    assert!(errs.is_empty(), "{errs:?}");
    assert!(one.len() > 5000, "{}", one.len());
    assert_eq!(load_on(2, &text, &opts), (one.clone(), errs.clone()));
    assert_eq!(load_on(4, &text, &opts), (one, errs));

    // An error anywhere gives the sequential result: the documents before a syntax error and
    // its message; a duplicate key loses only its document.
    for bad in ["key: [unclosed\n", "a: 1\na: 2\n", "x: *nowhere\n"] {
        let at = text.len() / 2;
        let cut = at + text[at..].find("\n---\n").unwrap() + 5;
        let broken = format!("{}{bad}---\n{}", &text[..cut], &text[cut..]);
        let seq = load_on(1, &broken, &opts);
        assert!(!seq.1.is_empty());
        assert_eq!(load_on(2, &broken, &opts), seq, "{bad}");
    }

    // The node budget counts the whole stream.
    let small = LoadOptions {
        max_nodes: 40_000,
        ..LoadOptions::default()
    };
    let seq = load_on(1, &text, &small);
    assert_eq!(seq.1.len(), 1, "{:?}", seq.1);
    assert_eq!(load_on(2, &text, &small), seq);

    // Directives apply to the next document only: such streams load sequentially.
    let directive = format!("%YAML 1.2\n---\nkind: A\n---\n{text}");
    assert_eq!(load_on(2, &directive, &opts), load_on(1, &directive, &opts));
}

// Issue 10: each trick below hid `privileged: true` from fourc while kubectl sent it.

#[test]
fn merge_a_second_merge_key_is_a_duplicate() {
    let text = "a: &a {privileged: false}\nb: &b {privileged: true}\nc:\n  <<: *a\n  <<: *b\n";
    let l = load(text);
    let e = only_error(&l);
    assert_eq!(e.message, "duplicate key `<<` (first at line 4)");
    assert_eq!((e.line, e.col), (5, 3));
    // a merge beside a quoted `"<<"` key (go-yaml v3 rejects it as a duplicate), either order
    for text in [
        "a: &a {x: 1}\nc:\n  <<: *a\n  \"<<\": 2\n",
        "a: &a {x: 1}\nc:\n  \"<<\": 2\n  <<: *a\n",
    ] {
        let l = load(text);
        assert_eq!(
            only_error(&l).message,
            "duplicate key `<<` (first at line 3)",
            "{text}"
        );
    }
}

#[test]
fn merge_tagged_merge_keys_merge() {
    for text in [
        "a: &a {privileged: true}\nc:\n  !!merge <<: *a\n",
        "a: &a {privileged: true}\nc:\n  !!merge \"<<\": *a\n",
        "a: &a {privileged: true}\nc:\n  ! <<: *a\n",
        "a: &a {privileged: true}\nc:\n  !<tag:yaml.org,2002:merge> <<: *a\n",
    ] {
        let root = one(text);
        assert_eq!(
            get(&root, &["c", "privileged"]).value,
            Value::Bool(true),
            "{text}"
        );
        assert!(map(get(&root, &["c"])).get("<<").is_none(), "{text}");
    }
    // go-yaml v2 merges a quoted `<<` under `!`, v3 does not
    let l = load("a: &a {privileged: true}\nc:\n  ! \"<<\": *a\n");
    let e = only_error(&l);
    assert!(e.message.starts_with("ambiguous merge"), "{e:?}");
    assert_eq!((e.line, e.col), (3, 3));
}

#[test]
fn merge_after_an_explicit_key_it_sets_is_ambiguous() {
    let text = "p: &p {privileged: true}\nsc:\n  privileged: false\n  <<: *p\n";
    let l = load(text);
    let e = only_error(&l);
    assert!(
        e.message
            .starts_with("ambiguous merge: `<<` sets `privileged`, which line 3 already set"),
        "{e:?}"
    );
    assert_eq!(e.to_string().split(": ").next(), Some("t.yaml:4:3"));
    // a list merge too
    let l = load("p: &p {privileged: true}\nsc:\n  privileged: false\n  <<: [{a: 1}, *p]\n");
    assert!(only_error(&l).message.starts_with("ambiguous merge"));
    // a `<<` after keys it does not set is fine, and an explicit key after it wins (both
    // go-yaml v2 and v3)
    let root = one("p: &p {privileged: true, a: 1}\nsc:\n  b: 2\n  <<: *p\n  privileged: false\n");
    assert_eq!(get(&root, &["sc", "privileged"]).value, Value::Bool(false));
    assert_eq!(get(&root, &["sc", "a"]).value, Value::Int(1));
    assert_eq!(get(&root, &["sc", "b"]).value, Value::Int(2));
}

#[test]
fn nested_lists_flatten_recursively() {
    let text = "\
kind: List
items:
- kind: List
  items:
  - kind: PodList
    items:
    - kind: Pod
      metadata: {name: deep}
  - kind: ConfigMap
    metadata: {name: two}
  - 7
- kind: DeploymentList
  items: []
- kind: Pod
  metadata: {name: three}
---
{\"kind\": \"List\", \"items\": [{\"kind\": \"List\", \"items\": [{\"kind\": \"Pod\", \"metadata\": {\"name\": \"json\"}}]}]}
---
kind: PodList
items:
- kind: Pod
  metadata: {name: four}
";
    let l = load(text);
    let ids: Vec<String> = l.documents.iter().map(|d| d.id().to_string()).collect();
    assert_eq!(
        ids,
        [
            "Pod/deep",
            "ConfigMap/two",
            "Pod/three",
            "Pod/json",
            "Pod/four"
        ]
    );
    let e = only_error(&l);
    assert_eq!(
        (e.line, e.col, e.message.as_str()),
        (
            11,
            5,
            "item of a `kind: List` is not an object; found an int"
        )
    );
    // a `*List` whose items are not a list is an object like any other
    let root = one("kind: PodList\nitems: {a: 1}\n");
    assert_eq!(get(&root, &["kind"]).as_str(), Some("PodList"));
}

#[test]
fn any_object_with_an_items_list_stands_for_its_items() {
    // apimachinery decodes any object with `items` as a list: kubectl applies the items only
    let l = load(
        "kind: Pod\nmetadata: {name: decoy}\nitems:\n- kind: Pod\n  metadata: {name: real}\n- 1\n---\nitems: [{kind: Secret, metadata: {name: s}}, x]\n",
    );
    let ids: Vec<String> = l.documents.iter().map(|d| d.id().to_string()).collect();
    assert_eq!(ids, ["Pod/real", "Secret/s"]);
    let errs: Vec<&str> = l.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        errs,
        [
            "item of a `kind: Pod` is not an object; found an int",
            "item of an `items` list is not an object; found a string"
        ]
    );
}

#[test]
fn nested_lists_beyond_the_depth_limit_are_an_error() {
    let depth = super::lists::MAX_LIST_DEPTH + 1;
    let mut text = String::new();
    for _ in 0..depth {
        text.push_str("{kind: List, items: [");
    }
    text.push_str("{kind: Pod}");
    for _ in 0..depth {
        text.push_str("]}");
    }
    let l = load(&text);
    assert!(l.documents.is_empty());
    assert!(
        only_error(&l)
            .message
            .starts_with("lists nested more than 16 deep"),
        "{:?}",
        l.errors
    );
    // at the limit it flattens
    let inner = text.replacen("{kind: List, items: [", "", 1);
    let inner = &inner[..inner.len() - 2];
    assert_eq!(load(inner).documents.len(), 1, "{:?}", load(inner).errors);
}

#[test]
fn json_surrogate_pairs_decode() {
    let text = "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"r\\ud83d\\ude80\", \"x\": \"\\ud800\"}, \"spec\": {\"hostNetwork\": true}}\n";
    let root = one(text);
    assert_eq!(
        get(&root, &["metadata", "name"]).as_str(),
        Some("r\u{1F680}")
    );
    assert_eq!(get(&root, &["metadata", "x"]).as_str(), Some("\u{FFFD}"));
    // spans after the pair are the source's columns
    let hn = get(&root, &["spec", "hostNetwork"]);
    assert_eq!(at(hn), pos_of(text, "\"hostNetwork\"", 0));
    // in YAML (not a JSON stream) a surrogate escape stays an error, as in go-yaml
    let l = load("kind: Pod\nname: \"\\ud83d\\ude80\"\n");
    assert!(
        only_error(&l)
            .message
            .contains("invalid Unicode character escape")
    );
}

#[test]
fn json_lines_are_separate_documents() {
    let text = "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"a\"}}\n{\"kind\": \"Pod\",\n \"metadata\": {\"name\": \"b\"}, \"spec\": {\"hostNetwork\": true}}  {\"kind\": \"Pod\", \"metadata\": {\"name\": \"c\"}}\n";
    let l = load(text);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let ids: Vec<String> = l.documents.iter().map(|d| d.id().to_string()).collect();
    assert_eq!(ids, ["Pod/a", "Pod/b", "Pod/c"]);
    let idx: Vec<u32> = l.documents.iter().map(|d| d.index()).collect();
    assert_eq!(idx, [0, 1, 2]);
    let hn = get(l.documents[1].root(), &["spec", "hostNetwork"]);
    assert_eq!(at(hn), pos_of(text, "\"hostNetwork\"", 0));
    assert_eq!(
        at(l.documents[2].root()),
        pos_of(
            text,
            "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"c\"",
            0
        )
    );
    // an error in one object keeps the others
    let l = load("{\"kind\": \"Pod\", \"a\": 1, \"a\": 2}\n{\"kind\": \"Secret\"}\n");
    assert_eq!(l.documents.len(), 1);
    assert_eq!(
        only_error(&l).message,
        "duplicate key `a` (first at line 1)"
    );
}

#[test]
fn tabs_after_a_key_are_separation() {
    let text = "kind: Pod\nspec:\n  hostNetwork:\ttrue\n  containers:\n  - name:\t\tapp\n    securityContext: {privileged:\ttrue}\n";
    let root = one(text);
    assert_eq!(
        get(&root, &["spec", "hostNetwork"]).value,
        Value::Bool(true)
    );
    let c = list(get(&root, &["spec", "containers"]))
        .iter()
        .next()
        .unwrap();
    assert_eq!(get(c, &["name"]).as_str(), Some("app"));
    assert_eq!(
        get(c, &["securityContext", "privileged"]).value,
        Value::Bool(true)
    );
    assert_eq!(at(get(&root, &["spec", "hostNetwork"])), (3, 3));
    // a tab inside a value is kept
    let root = one("a:\t\"x\ty\"\nb: |\n  k:\tv\n");
    assert_eq!(get(&root, &["a"]).as_str(), Some("x\ty"));
    assert_eq!(get(&root, &["b"]).as_str(), Some("k:\tv\n"));
    // a tab as indentation stays an error
    assert_eq!(load("a:\n\tb: 1\n").errors.len(), 1);
    // quoted and block scalars holding `k:<TAB>v` keep their tabs, beside separating tabs
    let root = one("a:\tb\nq: \"k:\tv\"\ns: 'k:\tv'\nl: |\n  k:\tv\nz:\tz\n");
    assert_eq!(get(&root, &["a"]).as_str(), Some("b"));
    assert_eq!(get(&root, &["q"]).as_str(), Some("k:\tv"));
    assert_eq!(get(&root, &["s"]).as_str(), Some("k:\tv"));
    assert_eq!(get(&root, &["l"]).as_str(), Some("k:\tv\n"));
    assert_eq!(get(&root, &["z"]).as_str(), Some("z"));
    // no limit on how many: every key of a big tab-separated file
    let big: String = (0..2000).map(|i| format!("k{i}:\tv{i}\n")).collect();
    let root = one(&big);
    assert_eq!(get(&root, &["k1999"]).as_str(), Some("v1999"));
    // an explicit key's `:` starts its line: a tab after it stays an error, as in go-yaml
    assert_eq!(load("? a\n:\tb\n").errors.len(), 1);
}

#[test]
fn a_quoted_scalar_continued_at_its_keys_column_loads_as_kubectl_reads_it() {
    // The Gatekeeper library's httpsonly template has such a line; go-yaml, libyaml and PyYAML
    // fold it like any continuation line (values below are PyYAML's).
    let text = "kind: ConfigMap\ndata:\n  msg: \"first line\n  at the key\ncol0 \\\"q\\\"\n\n    deeper\"\n  other: 'it''s\n  two'\n  z: 1\n";
    let root = one(text);
    assert_eq!(
        get(&root, &["data", "msg"]).as_str(),
        Some("first line at the key col0 \"q\"\ndeeper")
    );
    assert_eq!(get(&root, &["data", "other"]).as_str(), Some("it's two"));
    // Positions stay those of the source, on the padded lines too.
    assert_eq!(at(get(&root, &["data", "z"])), (10, 3));
    let msg = lines(get(&root, &["data", "msg"]));
    assert_eq!((msg.line, msg.end_line, msg.end_col), (3, 7, 12));
    let other = lines(get(&root, &["data", "other"]));
    assert_eq!((other.end_line, other.end_col), (9, 7));
    // A quoted scalar that never closes is still an error, at its line.
    let l = load("a:\n  b: \"open\n  c: 1\n");
    assert_eq!(l.errors.len(), 1, "{:?}", l.errors);
}

#[test]
fn explicit_key_without_value_at_the_end_of_a_text_without_final_line_break_has_a_whole_span() {
    // The parser ends such a stream on the line after the last one; the spans end at the text's
    // end, not at an unknown offset.
    let text = "a: 1\n? b";
    let root = one(text);
    assert_eq!((root.span.start(), root.span.end()), (0, 8));
    let b = root.get("b").unwrap();
    assert!(matches!(b.value, Value::Null));
    assert_eq!((b.span.start(), b.span.end()), (7, 8));
    let l = lines(b);
    assert_eq!((l.line, l.col, l.end_line, l.end_col), (2, 3, 2, 4));
}

#[test]
fn lone_carriage_return_breaks_lines_for_spans_as_for_the_parser() {
    // YAML breaks a line at a carriage return not followed by a line feed; the spans and lines
    // must count it too, or they point at the wrong place (or nowhere).
    let text = "a: 1\rb: 2\n";
    let l = load(text);
    assert!(l.errors.is_empty(), "{:?}", l.errors);
    let doc = &l.documents[0];
    assert_eq!(doc.source().text(), "a: 1\nb: 2\n");
    let b = doc.root().get("b").unwrap();
    assert!(matches!(b.value, Value::Int(2)));
    assert_eq!((b.span.start(), b.span.end()), (5, 9));
    let at = doc.source().lines_of(b.span);
    assert_eq!((at.line, at.col, at.end_line, at.end_col), (2, 1, 2, 5));

    // In flow collections too: every span is known and inside the text.
    let text = "{a: [{\r: {}}]}";
    let root = one(text);
    assert_eq!((root.span.start(), root.span.end()), (0, 14));
    let list = root.get("a").unwrap();
    assert!(list.span.is_known() && list.span.end() as usize <= text.len());
    let Value::List(items) = &list.value else {
        panic!("not a list: {list:?}")
    };
    let inner = items.get(0).unwrap().get("null").unwrap();
    assert!(inner.span.is_known() && inner.span.end() as usize <= text.len());
}
