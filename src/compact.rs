//! Collections code that stays small in the page's wasm (its download
//! budget): [`VecMap`], an ordered map kept as a sorted vector of pairs,
//! [`sort_by`], a heap sort, and [`decimal`], a number written without
//! `fmt` or an allocation.
//!
//! The maps in the page are small (a few dozen entries, a few hundred at
//! most) and mostly read. `std`'s `BTreeMap` serves them just as well, but
//! its code is compiled again for every key and value type and came to some
//! 35 KB of the page's wasm (the page's download budget); this map is a
//! binary search over a `Vec`, a few hundred bytes per type. Lookups are
//! O(log n); an insertion or removal moves the entries after it, which is
//! cheap at these sizes and free for the common case of a key above all
//! others (terms only grow).
//!
//! Likewise `std`'s slice sorts (driftsort, ipnsort) are fast on large inputs
//! but bring some 10 KB of code; the page sorts a few hundred numbers at most,
//! and a heap sort does it in O(n log n) with a few hundred bytes.

use std::borrow::Borrow;
use std::cmp::Ordering;

/// Sorts `v` by `cmp`, in place: a heap sort, so O(n log n) in every case but
/// not stable (use it where equal elements are indistinguishable).
/// `n` in decimal, written into `buf` and returned as text: no allocation
/// and no `fmt` (the canvas draws numbers every frame; the JSON writer
/// writes many).
pub fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("")
}

pub fn sort_by<T>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let mut less = |a: &T, b: &T| cmp(a, b) == Ordering::Less;
    let n = v.len();
    for root in (0..n / 2).rev() {
        sift_down(v, root, n, &mut less);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end, &mut less);
    }
}

/// Moves `v[root]` down the max-heap `v[..end]` to its place.
fn sift_down<T>(v: &mut [T], mut root: usize, end: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[root], &v[child]) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

/// An ordered map as a sorted `Vec` of `(key, value)`: one entry per key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap::new()
    }
}

impl<K, V> VecMap<K, V> {
    /// An empty map.
    pub const fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Keeps only the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// Removes and returns the entry with the smallest key.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        (!self.entries.is_empty()).then(|| self.entries.remove(0))
    }
}

impl<K: Ord, V> VecMap<K, V> {
    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value for `key`.
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The key as stored and the value for `key`.
    pub fn get_key_value<Q: Ord + ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    /// The value for `key`, to change.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` has an entry.
    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(key).is_ok()
    }

    /// Sets the value for `key`, returning the one it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// The value for `key`, made with `make` first if there is none.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }
}

impl<K: Ord, V, Q: Ord + ?Sized> std::ops::Index<&Q> for VecMap<K, V>
where
    K: Borrow<Q>,
{
    type Output = V;
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry for the key")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_writes_every_digit() {
        for n in [0, 7, 10, 4_096, u64::MAX] {
            assert_eq!(decimal(n, &mut [0; 20]), n.to_string());
        }
    }
    use std::collections::BTreeMap;

    /// The same operations on a `BTreeMap` and a `VecMap` give the same map.
    #[test]
    fn behaves_like_a_btreemap() {
        let seed = 0x5eed_u64;
        let mut x = seed;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut b = BTreeMap::new();
        let mut v = VecMap::new();
        for step in 0..5000 {
            let key = next() % 64;
            let what = next() % 6;
            match what {
                0 | 1 => assert_eq!(b.insert(key, step), v.insert(key, step), "seed {seed}"),
                2 => assert_eq!(b.pop_first(), v.pop_first(), "seed {seed}"),
                3 => {
                    *b.entry(key).or_insert_with(|| step) += 1;
                    *v.get_or_insert_with(key, || step) += 1;
                }
                4 => {
                    b.retain(|k, _| k % 7 != key % 7);
                    v.retain(|k, _| k % 7 != key % 7);
                }
                _ => {
                    if let Some(x) = b.get_mut(&key) {
                        *x += 3;
                    }
                    if let Some(x) = v.get_mut(&key) {
                        *x += 3;
                    }
                }
            }
            assert_eq!(b.get(&key), v.get(&key), "seed {seed}");
            assert_eq!(b.contains_key(&key), v.contains_key(&key), "seed {seed}");
            assert_eq!(b.len(), v.len(), "seed {seed}");
            assert!(b.iter().eq(v.iter()), "seed {seed}, step {step}");
        }
    }

    #[test]
    fn sorts_like_std() {
        let seed = 0xfeed_u64;
        let mut x = seed;
        for len in 0..200 {
            let mut v: Vec<u64> = (0..len)
                .map(|_| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (x >> 33) % (len as u64 / 2 + 1)
                })
                .collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            sort_by(&mut v, u64::cmp);
            assert_eq!(v, expected, "seed {seed}, len {len}");
        }
        let mut f = [3.5, -1.0, f64::INFINITY, 0.0, -0.0, 2.25];
        sort_by(&mut f, f64::total_cmp);
        assert_eq!(f, [-1.0, -0.0, 0.0, 2.25, 3.5, f64::INFINITY]);
    }

    #[test]
    fn string_keys_are_found_by_str() {
        let mut m: VecMap<String, u32> = VecMap::new();
        m.insert("b".into(), 2);
        m.insert("a".into(), 1);
        assert_eq!(m.get("a"), Some(&1));
        assert_eq!(m["b"], 2);
        assert_eq!(m.get_key_value("b"), Some((&"b".to_string(), &2)));
        assert!(!m.contains_key("c"));
        m.clear();
        assert!(m.is_empty());
    }
}
