//! A table of model entities (requests, tasks, invocations) indexed by a never-reused number,
//! whose finished entries can be freed: a day on a thousand BBUs has millions of requests, and
//! only those in flight should cost memory. A freed slot keeps one null pointer (8 bytes).

use std::ops::{Index, IndexMut};

/// Entities by index; indices are handed out in order and never reused.
#[derive(Debug)]
pub struct Table<T> {
    slots: Vec<Option<Box<T>>>,
    live: usize,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            slots: Vec::new(),
            live: 0,
        }
    }
}

impl<T> Table<T> {
    /// Adds `x`; returns its index.
    pub fn push(&mut self, x: T) -> usize {
        self.slots.push(Some(Box::new(x)));
        self.live += 1;
        self.slots.len() - 1
    }
    /// Indices handed out so far (freed ones included).
    pub fn len(&self) -> usize {
        self.slots.len()
    }
    /// Whether no index was handed out yet.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
    /// Entries not freed.
    pub fn live(&self) -> usize {
        self.live
    }
    /// The entry at `i`, if it exists and was not freed.
    pub fn get(&self, i: usize) -> Option<&T> {
        self.slots.get(i).and_then(|s| s.as_deref())
    }
    /// Frees the entry at `i` (no-op if already freed).
    pub fn free(&mut self, i: usize) {
        if let Some(s) = self.slots.get_mut(i) {
            if s.take().is_some() {
                self.live -= 1;
            }
        }
    }
}

impl<T> Index<usize> for Table<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        self.slots[i]
            .as_deref()
            .expect("model bug: use of a freed entity")
    }
}

impl<T> IndexMut<usize> for Table<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        self.slots[i]
            .as_deref_mut()
            .expect("model bug: use of a freed entity")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_are_never_reused_and_freed_entries_are_gone() {
        let mut t = Table::default();
        assert_eq!((t.push('a'), t.push('b')), (0, 1));
        t.free(0);
        t.free(0);
        assert_eq!((t.len(), t.live(), t.get(0), t[1]), (2, 1, None, 'b'));
        assert_eq!(t.push('c'), 2);
    }
}
