//! The strings of one load: map keys interned (every equal key is one allocation) and recent
//! short string values shared, behind small direct-mapped caches so that most lookups skip
//! hashing with SipHash. Both readers (the YAML event builder and the picking JSON reader) use it.

use std::collections::HashSet;
use std::sync::Arc;

use crate::value::Str;

/// Slots of the direct-mapped cache in front of the key interner (a power of two).
const KEY_CACHE: usize = 256;
/// Slots of the cache of recent short string values (a power of two).
const VALUE_CACHE: usize = 1024;
/// The longest string value the cache shares.
const VALUE_CACHE_MAX_LEN: usize = 40;

/// FNV-1a: a cheap hash to pick a cache slot (a collision only costs an allocation).
fn fnv(s: &str) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h as usize
}

/// Interned keys and shared short values of one load.
pub(super) struct Strings {
    keys: HashSet<Str>,
    /// Recently interned keys, indexed by a cheap hash: most keys hit here and skip SipHash.
    /// A miss (or a crafted collision) only falls back to `keys`.
    key_cache: Vec<Option<Str>>,
    /// Recent short string values (see [`Strings::value`]).
    value_cache: Vec<Option<Str>>,
}

impl Strings {
    pub(super) fn new() -> Self {
        Strings {
            keys: HashSet::new(),
            key_cache: vec![None; KEY_CACHE],
            value_cache: vec![None; VALUE_CACHE],
        }
    }

    /// A map key: one allocation per distinct key of the load.
    pub(super) fn key(&mut self, s: &str) -> Str {
        let slot = fnv(s) & (KEY_CACHE - 1);
        if let Some(Some(k)) = self.key_cache.get(slot)
            && **k == *s
        {
            return k.clone();
        }
        let k = match self.keys.get(s) {
            Some(k) => k.clone(),
            None => {
                let k: Str = Arc::from(s);
                self.keys.insert(k.clone());
                k
            }
        };
        if let Some(c) = self.key_cache.get_mut(slot) {
            *c = Some(k.clone());
        }
        k
    }

    /// A string value. Short values repeat a lot (`TCP`, `http`, label values): a recent equal
    /// one is shared instead of allocating again.
    pub(super) fn value(&mut self, text: &str) -> Str {
        if text.len() > VALUE_CACHE_MAX_LEN {
            return Arc::from(text);
        }
        let slot = fnv(text) & (VALUE_CACHE - 1);
        if let Some(Some(v)) = self.value_cache.get(slot)
            && **v == *text
        {
            return v.clone();
        }
        let v: Str = Arc::from(text);
        if let Some(c) = self.value_cache.get_mut(slot) {
            *c = Some(v.clone());
        }
        v
    }
}
