//! A vector kept in shared chunks: cloning it copies no element.
//!
//! Every time-travel checkpoint clones the whole simulation, and with it every
//! node's log and the checker's memory of the logs. [`Chunked`] keeps its
//! elements in chunks of [`CHUNK`], each behind an `Arc`: a clone shares
//! every chunk, and a chunk is copied (`Arc::make_mut`) only when one of the
//! clones changes it. Appending touches the last chunk only, and a truncation
//! at most one; so a checkpoint of a long log costs one pointer per 64
//! entries, and each checkpoint after it copies at most the chunks written
//! since.

use std::sync::Arc;

/// How many elements one chunk holds.
pub const CHUNK: usize = 64;

/// A vector of `T` in shared chunks (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunked<T> {
    /// Full chunks, then the last one (never empty).
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone> Chunked<T> {
    /// How many elements it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Element `i` (from 0).
    pub fn get(&self, i: usize) -> Option<&T> {
        (i < self.len).then(|| &self.chunks[i / CHUNK][i % CHUNK])
    }

    /// Element `i`, to change: its chunk is copied first if a clone shares it.
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        Some(&mut Arc::make_mut(&mut self.chunks[i / CHUNK])[i % CHUNK])
    }

    /// The last element.
    pub fn last(&self) -> Option<&T> {
        self.chunks.last().and_then(|c| c.last())
    }

    /// Appends `value`.
    pub fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => Arc::make_mut(last).push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(Arc::new(chunk));
            }
        }
        self.len += 1;
    }

    /// Keeps the first `len` elements.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let chunks = len.div_ceil(CHUNK);
        self.chunks.truncate(chunks);
        if let Some(last) = self.chunks.last_mut() {
            let in_last = len - (chunks - 1) * CHUNK;
            if last.len() > in_last {
                Arc::make_mut(last).truncate(in_last);
            }
        }
        self.len = len;
    }

    /// Every element, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// Every element from `start` (from 0) on, without walking the chunks
    /// before it.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> {
        let first = (start / CHUNK).min(self.chunks.len());
        self.chunks[first..]
            .iter()
            .flat_map(|c| c.iter())
            .skip(start.saturating_sub(first * CHUNK))
    }

    /// Up to `max` (at most [`CHUNK`]) elements from `start`, as the part in
    /// `start`'s chunk and the part in the next one.
    pub fn range(&self, start: usize, max: usize) -> [&[T]; 2] {
        debug_assert!(max <= CHUNK);
        if start >= self.len {
            return [&[], &[]];
        }
        let end = self.len.min(start + max);
        let (c, at) = (start / CHUNK, start % CHUNK);
        let first = &self.chunks[c][at..(at + end - start).min(CHUNK)];
        let second = match end - start - first.len() {
            0 => &[][..],
            n => &self.chunks[c + 1][..n],
        };
        [first, second]
    }

    /// Roughly how many bytes it holds, `heap(element)` being what an
    /// element holds beyond itself: a chunk shared by `k` clones counts
    /// `1/k` in each, so that the clones together count it once.
    pub fn footprint(&self, heap: impl Fn(&T) -> usize) -> usize {
        self.chunks
            .iter()
            .map(|c| {
                let bytes =
                    c.capacity() * std::mem::size_of::<T>() + c.iter().map(&heap).sum::<usize>();
                bytes / Arc::strong_count(c) + 16
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A range across a chunk's end comes in two parts; a clone shares every
    /// chunk (the two count it once) and never sees the other's changes.
    #[test]
    fn clones_share_chunks_and_never_see_each_others_changes() {
        let mut a = Chunked::default();
        for i in 0..150u32 {
            a.push(i);
        }
        let [first, rest] = a.range(59, 16);
        assert_eq!((first.len(), rest.len()), (5, 11));
        let flat: Vec<u32> = first.iter().chain(rest).copied().collect();
        assert_eq!(flat, (59..75).collect::<Vec<_>>());
        for start in [0, 63, 64, 130, 149, 150, 400] {
            let tail: Vec<u32> = a.iter_from(start).copied().collect();
            assert_eq!(
                tail,
                (start as u32..150).collect::<Vec<_>>(),
                "from {start}"
            );
        }
        let alone = a.footprint(|_| 0);
        let b = a.clone();
        assert!(
            a.footprint(|_| 0) + b.footprint(|_| 0) <= alone + 64,
            "shared, not copied"
        );
        a.truncate(99);
        a.push(1000);
        *a.get_mut(10).unwrap() = 2000;
        assert_eq!(
            (a.len(), a.last(), a.get(10)),
            (100, Some(&1000), Some(&2000))
        );
        assert_eq!(
            b.iter().copied().collect::<Vec<_>>(),
            (0..150).collect::<Vec<_>>()
        );
        a.truncate(64);
        assert_eq!((a.len(), a.last()), (64, Some(&63)));
        a.truncate(0);
        assert!(a.is_empty() && a.last().is_none() && a.iter().next().is_none());
        assert_eq!(a.get(0), None);
    }
}
