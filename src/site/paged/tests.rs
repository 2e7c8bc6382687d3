use super::*;
use crate::FastMap;
use crate::collection::{Doc, Embed, HashEmbed, Settings};

const DIMS: usize = 64;

fn corpus(n: usize) -> (Vec<Doc>, Vec<f32>) {
    let topics = ["garden soil compost", "ocean tide wave", "violin string bow", "mountain snow glacier", "bread flour yeast"];
    let docs: Vec<Doc> = (0..n)
        .map(|i| Doc {
            id: format!("d{i}"),
            title: if i == 77 { "zanzibarite zanzibarite".into() } else { format!("note {i}") },
            url: format!("https://example.org/{i}"),
            text: format!("{} number {} {}", topics[i % topics.len()], i, if i == 77 { "zanzibarite" } else { "" }),
            meta: String::new(),
            tokens: Vec::new(),
            kept: Vec::new(),
        })
        .collect();
    let mut e = HashEmbed { dims: DIMS };
    let mut v = Vec::new();
    for d in &docs {
        let t = e.tokenize(&d.embed_text()).unwrap();
        e.embed_tokens(&[&t], &mut v).unwrap();
    }
    (docs, v)
}

fn small_layout() -> Layout {
    Layout { cluster_size: 32, pq: crate::quant::PqParams { subspaces: 16, ..Layout::default().pq }, ..Layout::default() }
}

fn site(n: usize) -> (Built, FastMap<Page, Vec<u8>>) {
    let (docs, v) = corpus(n);
    let built = build(docs, &v, DIMS, &small_layout(), &Settings::default(), 2).unwrap();
    let files = built.files.iter().cloned().collect();
    (built, files)
}

/// Search until done, loading pages from `files`; the pages each round needed.
fn run(index: &mut SiteIndex, files: &FastMap<Page, Vec<u8>>, text: &str, k: usize, hybrid: bool, params: &SiteParams) -> (Vec<SiteHit>, Vec<Vec<Page>>) {
    let mut e = HashEmbed { dims: DIMS };
    let t = e.tokenize(text).unwrap();
    let mut q = Vec::new();
    e.embed_query(&t, &mut q).unwrap();
    let query = SiteQuery { text, q: &q, k, hybrid };
    let mut rounds = Vec::new();
    loop {
        match index.search(&e, &query, params).unwrap() {
            Step::Done(hits) => return (hits, rounds),
            Step::Need(pages) => {
                for p in &pages {
                    index.add(*p, &files[p]).unwrap();
                }
                rounds.push(pages);
            }
        }
    }
}

fn open(built: &Built) -> SiteIndex {
    SiteIndex::open(VERSION, built.build, &built.files[0].1).unwrap()
}

#[test]
fn a_cold_query_takes_a_bounded_number_of_rounds_after_the_head_and_a_warm_one_none() {
    let (built, files) = site(600);
    let mut index = open(&built);
    // A margin of 2 admits every candidate: each of the `rounds` rounds expands.
    let params = SiteParams { margin: 2.0, ..index.head().params };
    let (hits, rounds) = run(&mut index, &files, "compost for the garden", 10, true, &params);
    assert_eq!(hits.len(), 10);
    assert!(hits[0].doc.text.contains("compost"), "{:?}", hits[0]);
    assert_eq!(rounds.len(), 2 + params.rounds, "clusters + shards, `rounds` of nodes, documents: {rounds:?}");
    assert!(matches!(rounds[0][0], Page::Cluster(_)) && rounds[0].iter().any(|p| matches!(p, Page::Terms(_))));
    let nodes = &rounds[1..=params.rounds];
    assert!(nodes.iter().all(|r| r.iter().all(|p| matches!(p, Page::Node(_)))));
    // The first round expands the best by code and the keyword candidates; later ones the
    // best not yet expanded, so no node is fetched twice.
    assert!(nodes[1..].iter().all(|r| r.len() <= params.expand) && nodes[0].len() <= params.first.max(params.expand) + 8);
    let mut all: Vec<&Page> = nodes.iter().flatten().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), nodes.iter().map(Vec::len).sum::<usize>());
    assert!(rounds.last().unwrap().iter().all(|p| matches!(p, Page::Docs(_))));
    let (again, rounds) = run(&mut index, &files, "compost for the garden", 10, true, &params);
    assert!(rounds.is_empty());
    assert_eq!(again, hits);
}

#[test]
fn the_margin_ends_expansion_once_no_code_could_enter_the_results() {
    let (built, files) = site(600);
    let head = open(&built).head().params;
    assert!(head.margin > 0.0 && head.margin < 2.0 && head.rounds > 1, "{head:?}");
    let nodes = |margin: f32, text: &str| {
        let params = SiteParams { margin, ..head };
        let (hits, rounds) = run(&mut open(&built), &files, text, 10, false, &params);
        assert!((3..=2 + params.rounds).contains(&rounds.len()), "{text} at margin {margin}: {rounds:?}");
        assert!(rounds[1..rounds.len() - 1].iter().all(|r| r.iter().all(|p| matches!(p, Page::Node(_)))));
        (hits, rounds.len() - 2, rounds[1..rounds.len() - 1].iter().map(Vec::len).sum::<usize>())
    };
    let (mut fewer, mut total) = (0, [0usize; 3]);
    for text in ["violin bow", "snow on the mountain", "bread", "number 77", "compost for the garden", "ocean wave"] {
        let (none, r0, n0) = nodes(0.0, text);
        let (_, _, n1) = nodes(head.margin, text);
        let (all, r2, n2) = nodes(2.0, text);
        assert_eq!(r2, head.rounds, "{text}: a margin of 2 takes every round");
        assert!(n0 <= n1 && n1 <= n2, "{text}: nodes fetched {n0} / {n1} / {n2} as the margin grows");
        fewer += usize::from(r0 < r2);
        for (t, n) in total.iter_mut().zip([n0, n1, n2]) {
            *t += n;
        }
        // Whatever was expanded, results are ranked by exact similarity: the first hit with
        // no margin is among the first three with every round.
        assert!(all.iter().take(3).any(|h| Some(h.position) == none.first().map(|f| f.position)), "{text}");
    }
    assert!(fewer > 0 && total[0] < total[2], "a margin of 0 stops some queries early: {fewer}, {total:?}");
}

#[test]
fn results_do_not_depend_on_what_is_cached() {
    let (built, files) = site(600);
    let mut everything = open(&built);
    for p in everything.all_pages() {
        everything.add(p, &files[&p]).unwrap();
    }
    let params = everything.head().params;
    for q in ["violin bow", "snow on the mountain", "zanzibarite", "zanzibarit", "bread", "number 77", "qqqq zzzz"] {
        let (warm, rounds) = run(&mut everything, &files, q, 10, true, &params);
        assert!(rounds.is_empty());
        let (cold, _) = run(&mut open(&built), &files, q, 10, true, &params);
        assert_eq!(warm, cold, "{q}");
    }
}

#[test]
fn a_rare_word_and_its_typo_find_their_document() {
    let (built, files) = site(600);
    let mut index = open(&built);
    let params = index.head().params;
    let (hits, _) = run(&mut index, &files, "zanzibarite", 5, true, &params);
    assert_eq!(hits.first().map(|h| h.doc.id.as_str()), Some("d77"), "{hits:?}");
    assert!(hits[0].keyword > 0.3, "{:?}", hits[0]);
    // A typo (two letters swapped) matches the term at a discount (the hash embedder sees
    // nothing in common, so only the keywords bring the document in: with no gate, any
    // keyword share lifts it into the first round's expansions; one round, so every
    // document expanded is returned).
    let all = SiteParams { min_score: f32::NEG_INFINITY, keyword_gate: 0.0, rounds: 1, ..params };
    let (hits, _) = run(&mut index, &files, "zanzibraite", 100, true, &all);
    let d = hits.iter().find(|h| h.doc.id == "d77").expect("the typo finds d77");
    assert!(d.keyword > 0.0, "{d:?}");
}

#[test]
fn probing_every_cluster_and_reranking_everything_is_brute_force() {
    let (docs, v) = corpus(400);
    let built = build(docs, &v, DIMS, &small_layout(), &Settings::default(), 1).unwrap();
    let files: FastMap<Page, Vec<u8>> = built.files.iter().cloned().collect();
    let mut index = open(&built);
    let mut params = index.head().params;
    params.nprobe = 1000;
    params.first = 400;
    params.expand = 400;
    params.rounds = 1;
    params.min_score = f32::NEG_INFINITY;
    let mut e = HashEmbed { dims: DIMS };
    for text in ["ocean wave", "glacier", "yeast bread number 12"] {
        let (hits, _) = run(&mut index, &files, text, 10, false, &params);
        let t = e.tokenize(text).unwrap();
        let mut q = Vec::new();
        e.embed_query(&t, &mut q).unwrap();
        let mut exact: Vec<(f32, usize)> = built.order.iter().enumerate().map(|(p, &i)| (crate::distance::dot(&q, &v[i * DIMS..(i + 1) * DIMS]), p)).collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0));
        // int8 embeddings re-rank: the same top 10 up to near ties.
        let top: Vec<u32> = hits.iter().map(|h| h.position).collect();
        let found = exact[..10].iter().filter(|e| top.contains(&(e.1 as u32))).count();
        assert!(found >= 9, "{text}: {found} of 10");
        for h in &hits {
            assert!((h.similarity - exact.iter().find(|e| e.1 as u32 == h.position).unwrap().0).abs() < 0.02);
        }
    }
}

#[test]
fn bad_pages_are_refused_and_leave_the_index_usable() {
    let (built, files) = site(300);
    let mut index = open(&built);
    let page = Page::Docs(0);
    let good = &files[&page];
    let mut flipped = good.clone();
    flipped[3] ^= 0x40;
    assert_eq!(index.add(page, &flipped).unwrap_err().kind, crate::records::Kind::Corrupt);
    assert!(index.add(page, &good[..good.len() - 5]).is_err());
    assert!(index.add(Page::Docs(1), good).is_err(), "another page's file");
    assert!(index.add(Page::Docs(10_000), good).is_err());
    assert!(!index.has(page));
    let (other, other_files) = site(301);
    assert_ne!(other.build, built.build);
    assert!(index.add(page, &other_files[&page]).is_err(), "another build's page");
    let params = index.head().params;
    assert_eq!(run(&mut index, &files, "violin", 3, true, &params).0.len(), 3);
    // A head cut anywhere, or of another build, is refused.
    let head = &built.files[0].1;
    for cut in 0..head.len() {
        assert!(SiteIndex::open(VERSION, built.build, &head[..cut]).is_err(), "cut at {cut}");
    }
    assert!(SiteIndex::open(VERSION, other.build, head).is_err());
}

#[test]
fn a_head_body_cut_or_bent_is_a_typed_error() {
    let (built, _) = site(300);
    let body = unseal(built.build, Page::Head, &built.files[0].1).unwrap().to_vec();
    let head = Head::decode(&body).unwrap();
    assert_eq!(head.encode(), body);
    for cut in 0..body.len() {
        assert!(Head::decode(&body[..cut]).is_err(), "cut at {cut}");
    }
    // A margin outside 0..=2 (not a cosine distance) is refused; 2 itself is read.
    for (margin, ok) in [(2.0, true), (2.5, false), (-0.01, false), (f32::NAN, false)] {
        let bent = Head { params: SiteParams { margin, ..head.params }, ..head.clone() };
        assert_eq!(Head::decode(&bent.encode()).is_ok(), ok, "margin {margin}");
    }
    // Every byte changed in turn: an error or a head that still describes a site, never a panic.
    for i in 0..body.len().min(4000) {
        let mut b = body.clone();
        b[i] = b[i].wrapping_add(0x55);
        let _ = Head::decode(&b);
    }
}

#[test]
fn the_same_input_builds_the_same_bytes() {
    let (a, _) = site(200);
    let (b, _) = site(200);
    assert_eq!(a.build, b.build);
    assert!(a.files == b.files);
}

#[test]
fn wrong_input_is_refused() {
    let (docs, v) = corpus(10);
    assert!(build(docs.clone(), &v[..v.len() - 1], DIMS, &small_layout(), &Settings::default(), 1).is_err());
    assert!(build(Vec::new(), &[], DIMS, &small_layout(), &Settings::default(), 1).is_err());
    let built = build(docs, &v, DIMS, &small_layout(), &Settings::default(), 1).unwrap();
    let index = open(&built);
    let e = HashEmbed { dims: DIMS };
    let q = vec![0.0; DIMS - 1];
    let params = index.head().params;
    assert!(index.search(&e, &SiteQuery { text: "x", q: &q, k: 3, hybrid: true }, &params).is_err());
    let q = vec![0.0; DIMS];
    assert!(index.search(&e, &SiteQuery { text: "x", q: &q, k: 0, hybrid: true }, &params).is_err());
    assert_eq!(index.search(&e, &SiteQuery { text: "  ", q: &q, k: 3, hybrid: true }, &params).unwrap(), Step::Done(Vec::new()));
}

#[test]
fn spilled_documents_are_found_through_their_second_cluster_and_counted_once() {
    let (docs, v) = corpus(400);
    let layout = |spill| Layout { spill, ..small_layout() };
    let none = build(docs.clone(), &v, DIMS, &layout(0.0), &Settings::default(), 1).unwrap();
    let all = build(docs, &v, DIMS, &layout(1e9), &Settings::default(), 1).unwrap();
    let clusters = |b: &Built| b.files.iter().filter(|(p, _)| matches!(p, Page::Cluster(_))).map(|(_, f)| f.len()).sum::<usize>();
    // Every document listed once more: its position (1 byte below 128, else 2) and its code.
    let code = open(&all).head().pq.code_len();
    assert_eq!(clusters(&all) - clusters(&none), 400 * code + 128 + 272 * 2);
    // Probing one cluster scans its own documents and those spilled into it: more candidates.
    let (nf, af): (FastMap<Page, Vec<u8>>, FastMap<Page, Vec<u8>>) = (none.files.iter().cloned().collect(), all.files.iter().cloned().collect());
    let (mut ni, mut ai) = (open(&none), open(&all));
    let mut params = ni.head().params;
    params.nprobe = 1;
    params.first = 400;
    params.expand = 400;
    params.rounds = 1;
    params.min_score = f32::NEG_INFINITY;
    let (nh, _) = run(&mut ni, &nf, "ocean wave", 400, false, &params);
    let (ah, _) = run(&mut ai, &af, "ocean wave", 400, false, &params);
    assert!(ah.len() > nh.len(), "{} vs {}", ah.len(), nh.len());
    // Every cluster probed: each document once, the same hits either way.
    params.nprobe = 1000;
    let (nh, _) = run(&mut ni, &nf, "ocean wave", 400, false, &params);
    let (ah, _) = run(&mut ai, &af, "ocean wave", 400, false, &params);
    let mut seen: Vec<u32> = ah.iter().map(|h| h.position).collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 400);
    assert_eq!(nh.iter().map(|h| h.position).collect::<Vec<_>>(), ah.iter().map(|h| h.position).collect::<Vec<_>>());
}

#[test]
fn cluster_pages_without_a_spill_list_are_read_and_bad_lists_refused() {
    let (built, files) = site(300);
    let page = Page::Cluster(0);
    let body = unseal(built.build, page, &files[&page]).unwrap().to_vec();
    let index = open(&built);
    let code = index.head().pq.code_len();
    let len = (index.head().starts[1] - index.head().starts[0]) as usize * code;
    let with = |tail: &[&[u8]]| {
        let mut b = body[..len].to_vec();
        for t in tail {
            b.extend_from_slice(t);
        }
        seal(built.build, page, b)
    };
    // A page of the layout before spilling: just the codes.
    open(&built).add(page, &with(&[])).unwrap();
    let zeros = vec![0u8; code];
    let bad: [(&str, Vec<&[u8]>); 4] = [
        ("out of order", vec![&[2, 5], &zeros, &[3], &zeros]),
        ("out of range", vec![&[1, 0xff, 0x7f], &zeros]),
        ("cut short", vec![&[1, 0]]),
        ("trailing bytes", vec![&[1, 0], &zeros, &[9]]),
    ];
    for (what, tail) in bad {
        assert_eq!(open(&built).add(page, &with(&tail)).unwrap_err().kind, crate::records::Kind::Corrupt, "{what}");
    }
}

#[test]
fn the_graph_finds_documents_outside_the_probed_clusters() {
    let (docs, v) = corpus(600);
    let built = build(docs, &v, DIMS, &Layout { spill: 0.0, ..small_layout() }, &Settings::default(), 2).unwrap();
    let files: FastMap<Page, Vec<u8>> = built.files.iter().cloned().collect();
    let head = open(&built).head().clone();
    let params = SiteParams { nprobe: 1, first: 20, expand: 20, rounds: 1, min_score: f32::NEG_INFINITY, ..head.params };
    let outside = |hits: &[SiteHit], c: usize| hits.iter().filter(|h| h.position < head.starts[c] || h.position >= head.starts[c + 1]).count();
    for text in ["ocean wave", "violin string", "garden compost number 40"] {
        let (one, _) = run(&mut open(&built), &files, text, 10, false, &params);
        let (three, rounds) = run(&mut open(&built), &files, text, 10, false, &SiteParams { rounds: 3, ..params });
        // One round expands members of the one probed cluster alone.
        let c = match rounds[0][0] {
            Page::Cluster(c) => c as usize,
            _ => unreachable!(),
        };
        assert_eq!(outside(&one, c), 0, "{text}");
        assert!(outside(&three, c) > 0, "{text}: more rounds reach other clusters through the graph");
        assert!(three[0].similarity >= one[0].similarity, "{text}");
    }
}

#[test]
fn bad_node_pages_are_refused() {
    let (built, files) = site(300);
    let index = open(&built);
    let (dims, code) = (index.head().dims, index.head().pq.code_len());
    let page = Page::Node(5);
    let body = unseal(built.build, page, &files[&page]).unwrap().to_vec();
    let n = body[dims] as usize;
    assert!(n > 0 && n <= Layout::default().graph.degree && body[dims] < 0x80, "a full list of a small site: {n}");
    let with = |list: &[u8], codes: usize| {
        let mut b = body[..dims].to_vec();
        b.extend_from_slice(list);
        b.extend(std::iter::repeat_n(0u8, codes * code));
        seal(built.build, page, b)
    };
    open(&built).add(page, &with(&[2, 1, 4], 2)).unwrap();
    open(&built).add(page, &with(&[0], 0)).unwrap();
    let bad: [(&str, Vec<u8>); 6] = [
        ("repeated", with(&[2, 1, 0], 2)),
        ("past the last document", with(&[1, 0xac, 0x02], 1)),
        ("codes cut short", with(&[2, 1, 4], 1)),
        ("trailing bytes", with(&[1, 4], 2)),
        ("more neighbours than bytes", with(&[0x7f, 1], 1)),
        ("shorter than an embedding", seal(built.build, page, body[..dims - 1].to_vec())),
    ];
    for (what, file) in bad {
        assert_eq!(open(&built).add(page, &file).unwrap_err().kind, crate::records::Kind::Corrupt, "{what}");
    }
    assert!(open(&built).add(Page::Node(300), &files[&page]).is_err(), "no such document");
}

/// A site of format 6 counted its terms with accents folded, CJK runs as bigrams and Thai
/// (Lao, Khmer, Myanmar) runs as pairs of units, and its queries are split the same way;
/// one opened as format 5 or 4 splits them by the rules its terms were counted by (so such
/// a site still finds what it found). Other formats are refused.
#[test]
fn queries_are_split_by_the_rules_of_the_sites_format() {
    let (mut docs, _) = corpus(300);
    docs[33].title = "Zürich Straße".into();
    docs[33].text = "東京の天気予報".into();
    docs[34].text = "ฉันไปโรงเรียนทุกวันตอนเช้า".into();
    let mut e = HashEmbed { dims: DIMS };
    let mut v = Vec::new();
    for d in &docs {
        let t = e.tokenize(&d.embed_text()).unwrap();
        e.embed_tokens(&[&t], &mut v).unwrap();
    }
    let built = build(docs, &v, DIMS, &small_layout(), &Settings::default(), 2).unwrap();
    let files: FastMap<Page, Vec<u8>> = built.files.iter().cloned().collect();
    let share_of = |version: u64, q: &str, id: &str| {
        let mut index = SiteIndex::open(version, built.build, &built.files[0].1).unwrap();
        let params = SiteParams { keyword_gate: 0.0, min_score: 0.0, min_score_unknown: 0.0, ..index.head().params };
        // Every document: the hash embedder's similarity alone may rank it anywhere.
        let (hits, _) = run(&mut index, &files, q, 300, true, &params);
        hits.iter().find(|h| h.doc.id == id).map_or(0.0, |h| h.keyword)
    };
    let share = |version: u64, q: &str| share_of(version, q, "d33");
    assert!(share(VERSION, "zurich strasse") > 0.3 && share(4, "zurich strasse") > 0.3, "ASCII words split alike");
    // By the first rules "zürich" is a typo of the site's "zurich": found, at a discount.
    assert!(share(4, "Zürich") > 0.0 && share(4, "Zürich") < share(VERSION, "Zürich"));
    for q in ["Straße", "天気予報"] {
        assert!(share(VERSION, q) > 0.3, "{q}: {}", share(VERSION, q));
        assert_eq!(share(4, q), 0.0, "{q} split by the first rules matches no term of this site");
    }
    // A word inside a Thai sentence: pairs by this format's rules; by format 5's the query
    // is one term, which no term of this site is.
    assert!(share_of(VERSION, "โรงเรียน", "d34") > 0.3, "{}", share_of(VERSION, "โรงเรียน", "d34"));
    assert_eq!(share_of(5, "โรงเรียน", "d34"), 0.0);
    assert!(share(5, "zurich strasse") > 0.3 && share(5, "天気予報") > 0.3, "format 5 splits the rest alike");
    for version in [1, 3, 7] {
        assert_eq!(SiteIndex::open(version, built.build, &built.files[0].1).err().map(|e| e.kind), Some(crate::records::Kind::Input));
    }
}

/// An unfinished last word is completed from the shards its completions lie in, fetched
/// with the query's other pages; a finished one is a word.
#[test]
fn an_unfinished_last_word_is_completed_from_its_shards() {
    let (built, files) = site(600);
    let index = open(&built);
    let params = SiteParams { keyword_gate: 0.0, min_score: 0.0, min_score_unknown: 0.0, ..index.head().params };
    let shards = index.head().shards_beginning("zanziba", 2);
    assert!(shards.contains(&index.head().shard_of("zanzibarite").unwrap()), "{shards:?}");
    // d77's keyword share among every document (the hash embedder's similarity alone may
    // rank it anywhere), and the pages the first round asked for.
    let share = |q: &str| {
        let (hits, rounds) = run(&mut open(&built), &files, q, 600, true, &params);
        (hits.iter().find(|h| h.doc.id == "d77").map_or(0.0, |h| h.keyword), rounds[0].clone())
    };
    let (typed, first) = share("zanziba");
    assert!(typed > 0.3, "{typed}");
    assert!(shards.iter().all(|s| first.contains(&Page::Terms(*s))), "{first:?}");
    assert!(typed < share("zanzibarite").0, "a completion is discounted");
    // Finished by a space: no term of the site.
    assert_eq!(share("zanziba ").0, 0.0);
    // Completions that lie in the next shard: "flo" would lie in the first, "flour" begins
    // the second.
    assert_eq!((index.head().shard_of("flo"), index.head().shard_of("flour")), (Some(0), Some(1)));
    let (hits, rounds) = run(&mut open(&built), &files, "flo", 600, true, &params);
    assert!(rounds[0].contains(&Page::Terms(1)), "{:?}", rounds[0]);
    let flour = hits.iter().filter(|h| h.doc.text.contains("flour")).collect::<Vec<_>>();
    assert!(flour.len() > 100 && flour.iter().all(|h| h.keyword > 0.0), "{} documents with flour", flour.len());
    // The shards of a prefix: where it would lie, then those it begins; at most `max`.
    let head = index.head();
    let all = head.shards.len() as u32;
    assert!(all >= 3, "{all} shards");
    assert_eq!(head.shards_beginning("", 2), [0, 1]);
    assert_eq!(head.shards_beginning("", usize::MAX).len() as u32, all);
    assert_eq!(head.shards_beginning("\u{10ffff}", 3), [all - 1]);
    assert_eq!(head.shards_beginning(&head.shards[1].clone(), 3), [1]);
}
