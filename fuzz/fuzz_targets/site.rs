//! Fuzz what a paged static site's visitor fetches (`site::paged`): the fuzzer's bytes are
//! sealed as a page of a real small site (the crc a genuine page carries), so the head,
//! cluster, embeddings, documents and term-shard decoders all see them, then a search runs
//! over whatever loaded. Must give an `Err` or a working site; never panic, hang or
//! allocate without bound.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use nook::collection::{Doc, Embed, HashEmbed, Settings};
use nook::site::paged::{self, Built, Layout, Page, SiteIndex, SiteQuery, Step, seal};

fn site() -> &'static Built {
    static SITE: OnceLock<Built> = OnceLock::new();
    SITE.get_or_init(|| {
        let mut e = HashEmbed { dims: 16 };
        let docs: Vec<Doc> = (0..90).map(|i| Doc { id: format!("d{i}"), title: format!("t{}", i % 7), text: format!("word{} shared text {i}", i % 5), ..Default::default() }).collect();
        let mut v = Vec::new();
        for d in &docs {
            let t = e.tokenize(&d.embed_text()).unwrap();
            e.embed_tokens(&[&t], &mut v).unwrap();
        }
        let layout = Layout { cluster_size: 16, docs_per_page: 4, shard_bytes: 64, pq: nook::quant::PqParams { subspaces: 8, ..Layout::default().pq }, ..Layout::default() };
        paged::build(docs, &v, 16, &layout, &Settings::default(), 1).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let built = site();
    let Some((&which, body)) = data.split_first() else { return };
    let page = match which % 5 {
        0 => Page::Head,
        1 => Page::Cluster(u32::from(which / 5) % 8),
        2 => Page::Node(u32::from(which / 5) % 90),
        3 => Page::Docs(u32::from(which / 5) % 30),
        _ => Page::Terms(u32::from(which / 5) % 8),
    };
    let sealed = seal(built.build, page, body.to_vec());
    let mut index = match page {
        Page::Head => match SiteIndex::open(paged::VERSION, built.build, &sealed) {
            Ok(i) => i,
            Err(_) => return,
        },
        _ => {
            let mut i = SiteIndex::open(paged::VERSION, built.build, &built.files[0].1).unwrap();
            let _ = i.add(page, &sealed);
            i
        }
    };
    // Search with the genuine pages filling in whatever the fuzzed one did not provide.
    let genuine: std::collections::HashMap<Page, &Vec<u8>> = built.files.iter().map(|(p, b)| (*p, b)).collect();
    let e = HashEmbed { dims: index.head().dims };
    let q = vec![0.25f32; index.head().dims];
    let params = index.head().params;
    // A finished query, or one whose last word is still being typed (its completions may
    // lie in the next term shard).
    let text = if body.len() % 2 == 0 { "word1 shared" } else { "word1 sha" };
    for _ in 0..5 {
        match index.search(&e, &SiteQuery { text, q: &q, k: 5, hybrid: true }, &params) {
            Ok(Step::Need(pages)) => {
                for p in pages {
                    match genuine.get(&p) {
                        Some(b) => {
                            if index.add(p, b).is_err() {
                                return;
                            }
                        }
                        None => return,
                    }
                }
            }
            _ => return,
        }
    }
});
