//! Site format 4, the paged layout: a static site's index cut into immutable pages that a
//! browser fetches only when a query needs them (Granne's lesson — read only what a search
//! touches — carried from a memory map to HTTP).
//!
//! Files, in a folder named by the build (16 hex digits; a rebuilt site writes a new
//! folder, so pages of two builds never mix), next to the manifest `nook-site.json`:
//!
//! ```text
//! <build>/head.bin    what every query needs (`head`): the PQ codebook (4-bit, 12 KB at
//!                     384 dimensions), one PQ code per cluster centroid, cluster sizes,
//!                     keyword statistics, the first term of every term shard
//! <build>/c/<i>.bin   cluster i: the PQ codes of its documents (documents are numbered
//!                     cluster by cluster, so a cluster is a range and needs no ids),
//!                     then varint(count) and (varint position, code) of the documents
//!                     of other clusters it lists too (`Layout::spill`)
//! <build>/n/<p>.bin   document p as a node: its int8 embedding (the exact re-rank), then
//!                     its neighbours in the site's graph (`graph`): varint(count),
//!                     delta-coded ascending positions, and their PQ codes
//! <build>/d/<i>.bin   documents [i*D, (i+1)*D): id, title, url, text, meta
//! <build>/t/<i>.bin   term shard i: the terms of a range with their postings
//! ```
//!
//! Every file ends with a crc32 of the build id, its own name and its body: a damaged,
//! truncated or misplaced file (another build's, another page's) is refused, never read.
//!
//! Clusters first, then the graph: a walk from one entry point fetches its pages hop by hop,
//! one round trip each (a 40 ms RTT times ~15 hops before the first result); clusters give a
//! query hundreds of candidates in one round trip, but MiniLM's neighbourhoods straddle
//! k-means cells, so probing alone misses a query's true neighbours. A few rounds of
//! expansion — the best candidates' node pages, all at once — find them through the graph:
//! a bounded number of round trips (head, clusters and term shards, at most `rounds` of
//! nodes — fewer when the codes say nothing left could enter the results — the results'
//! documents). See `search` for the stages and `build` for how the pages are cut.
//!
//! Pure: documents and embeddings in, named byte strings out (`build`); pages in, results
//! out (`search`). Fetching, caching and files are the caller's (`pkg/src/site.js`, the CLI).

pub mod build;
pub mod graph;
pub mod head;
pub mod search;
mod shard;

pub use build::{Built, Layout, build};
pub use head::Head;
pub use search::{SiteHit, SiteIndex, SiteParams, SiteQuery, Step};

use crate::records::{Failure, Result};
use crate::text::Rules;

/// The manifest version of a paged site (version 1 is one export file, `site::VERSION`;
/// version 2 was the paged layout before the graph, with pages of embeddings and no nodes;
/// version 3 expanded a fixed number of rounds, its head had no margin; version 4 is this
/// layout with terms counted by the first rules, [`Rules::Runs`], version 5 by
/// [`Rules::Folded`]; both are still read).
pub const VERSION: u64 = 6;

/// The rules a paged site of manifest version `version` counted its terms by (a query is
/// split by the same), or an error for a version this nook does not read.
pub fn rules_of(version: u64) -> Result<Rules> {
    match version {
        4 => Ok(Rules::Runs),
        5 => Ok(Rules::Folded),
        VERSION => Ok(Rules::Unspaced),
        v => Err(Failure::input(format!("site format {v} is not a paged layout this nook reads (4 to {VERSION})"))),
    }
}

/// One file of a paged site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Page {
    Head,
    Cluster(u32),
    Node(u32),
    Docs(u32),
    Terms(u32),
}

impl Page {
    /// Its path inside the build's folder.
    pub fn path(self) -> String {
        match self {
            Page::Head => "head.bin".into(),
            Page::Cluster(i) => format!("c/{i}.bin"),
            Page::Node(i) => format!("n/{i}.bin"),
            Page::Docs(i) => format!("d/{i}.bin"),
            Page::Terms(i) => format!("t/{i}.bin"),
        }
    }

    /// The page a path names (the inverse of [`Page::path`]).
    pub fn parse(path: &str) -> Option<Page> {
        if path == "head.bin" {
            return Some(Page::Head);
        }
        let (dir, file) = path.split_once('/')?;
        let n = file.strip_suffix(".bin")?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || (n.len() > 1 && n.starts_with('0')) {
            return None;
        }
        let i: u32 = n.parse().ok()?;
        match dir {
            "c" => Some(Page::Cluster(i)),
            "n" => Some(Page::Node(i)),
            "d" => Some(Page::Docs(i)),
            "t" => Some(Page::Terms(i)),
            _ => None,
        }
    }

    fn tag(self) -> (u8, u32) {
        match self {
            Page::Head => (0, 0),
            Page::Cluster(i) => (1, i),
            Page::Node(i) => (5, i),
            Page::Docs(i) => (3, i),
            Page::Terms(i) => (4, i),
        }
    }
}

fn crc(build: u64, page: Page, body: &[u8]) -> u32 {
    let (kind, i) = page.tag();
    let mut h = crc32fast::Hasher::new();
    h.update(&build.to_le_bytes());
    h.update(&[kind]);
    h.update(&i.to_le_bytes());
    h.update(body);
    h.finalize()
}

/// A page's file: its body, then the crc32 binding it to its build and name.
pub fn seal(build: u64, page: Page, mut body: Vec<u8>) -> Vec<u8> {
    let c = crc(build, page, &body);
    body.extend_from_slice(&c.to_le_bytes());
    body
}

/// The body of a page's file, or NookCorruptError when it is not that page of that build.
pub fn unseal(build: u64, page: Page, bytes: &[u8]) -> Result<&[u8]> {
    let bad = || Failure::corrupt(format!("site page {} is damaged, cut short or from another build (reload the page)", page.path()));
    let split = bytes.len().checked_sub(4).ok_or_else(bad)?;
    let (body, tail) = bytes.split_at(split);
    let mut c = [0u8; 4];
    c.copy_from_slice(tail);
    if crc(build, page, body) != u32::from_le_bytes(c) {
        return Err(bad());
    }
    Ok(body)
}

/// A build id as the folder name spells it (16 lowercase hex digits).
pub fn build_name(build: u64) -> String {
    format!("{build:016x}")
}

/// The build id a folder name spells.
pub fn parse_build(name: &str) -> Result<u64> {
    if name.len() != 16 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Failure::corrupt(format!("site build id must be 16 hex digits, got {name:?}")));
    }
    u64::from_str_radix(name, 16).map_err(|_| Failure::corrupt("site build id is not hex"))
}

#[cfg(test)]
mod page_tests {
    use super::*;

    #[test]
    fn paths_round_trip_and_strangers_are_refused() {
        for p in [Page::Head, Page::Cluster(0), Page::Node(7), Page::Docs(123), Page::Terms(4_000_000)] {
            assert_eq!(Page::parse(&p.path()), Some(p));
        }
        for bad in ["", "head", "c/.bin", "c/01.bin", "x/1.bin", "c/1.json", "c/-1.bin", "c/99999999999.bin", "../c/1.bin"] {
            assert_eq!(Page::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_page_opens_only_as_itself() {
        let sealed = seal(7, Page::Docs(3), b"body".to_vec());
        assert_eq!(unseal(7, Page::Docs(3), &sealed).unwrap(), b"body");
        assert!(unseal(8, Page::Docs(3), &sealed).is_err(), "another build");
        assert!(unseal(7, Page::Docs(4), &sealed).is_err(), "another page");
        assert!(unseal(7, Page::Node(3), &sealed).is_err(), "another kind");
        assert!(unseal(7, Page::Docs(3), &sealed[..sealed.len() - 1]).is_err(), "cut short");
        assert!(unseal(7, Page::Docs(3), &[1, 2]).is_err());
        let mut flipped = sealed.clone();
        flipped[1] ^= 1;
        assert!(unseal(7, Page::Docs(3), &flipped).is_err());
        assert_eq!(parse_build(&build_name(0xdead_beef_0000_0001)).unwrap(), 0xdead_beef_0000_0001);
        assert!(parse_build("xyz").is_err() && parse_build("0123456789abcdeg").is_err());
    }
}

#[cfg(test)]
mod tests;
