//! Pages of a long list, newest first, as the web pages show them (a dossier's
//! notes, the person's file and history, the DPO's history): which items a
//! page holds and whether there are newer or older pages. The list is already
//! filtered and sorted; nothing here reads the vault.

/// One page of a list of `total` items, `size` to a page (`size` ≥ 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// The page shown, from 1.
    pub number: usize,
    /// How many pages there are (at least 1, even for an empty list).
    pub pages: usize,
    /// The index of the page's first item in the list.
    pub first: usize,
    /// How many items the page holds.
    pub len: usize,
    /// How many items the list holds.
    pub total: usize,
}

impl Page {
    /// Page `asked` of a list of `total` items, `size` to a page: a page number
    /// past the end gives the last page, 0 or none the first.
    pub fn of(total: usize, asked: Option<usize>, size: usize) -> Page {
        let size = size.max(1);
        let pages = total.div_ceil(size).max(1);
        let number = asked.unwrap_or(1).clamp(1, pages);
        let first = (number - 1) * size;
        Page {
            number,
            pages,
            first,
            len: total.saturating_sub(first).min(size),
            total,
        }
    }

    /// The positions of the page's items in the list.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.first..self.first + self.len
    }

    /// The number of the newer page (before this one), if any.
    pub fn newer(&self) -> Option<usize> {
        (self.number > 1).then(|| self.number - 1)
    }

    /// The number of the older page (after this one), if any.
    pub fn older(&self) -> Option<usize> {
        (self.number < self.pages).then(|| self.number + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::Page;
    use proptest::prelude::*;

    proptest! {
        /// Walking the pages from the first to the last visits every item once,
        /// in order, each page full but the last.
        #[test]
        fn the_pages_cover_the_list_once(total in 0usize..500, size in 1usize..60) {
            let mut seen = Vec::new();
            let mut page = Page::of(total, None, size);
            loop {
                prop_assert!(page.len <= size);
                prop_assert!(page.older().is_none() || page.len == size);
                seen.extend(page.range());
                match page.older() {
                    Some(n) => page = Page::of(total, Some(n), size),
                    None => break,
                }
            }
            prop_assert_eq!(seen, (0..total).collect::<Vec<_>>());
        }

        /// Any asked number gives a page of the list.
        #[test]
        fn any_number_gives_a_page(total in 0usize..500, size in 1usize..60, asked in any::<Option<usize>>()) {
            let page = Page::of(total, asked, size);
            prop_assert!(page.number >= 1 && page.number <= page.pages);
            prop_assert!(page.range().end <= total);
        }
    }

    #[test]
    fn an_empty_list_is_one_empty_page() {
        let p = Page::of(0, Some(3), 50);
        assert_eq!(
            (p.number, p.pages, p.len, p.newer(), p.older()),
            (1, 1, 0, None, None)
        );
    }
}
