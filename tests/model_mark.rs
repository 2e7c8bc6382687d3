//! A database remembers the model its embeddings come from (`collection::model`): opened
//! with the same model it works, with another model of the same width it is refused, and a
//! database written before marks existed (the v1 fixtures) takes the model it is opened
//! with and stores its mark with the next change.

mod formats_support;

use formats_support::{DIMS, doc, settings};
use nook::collection::{Collection, HashEmbed, ModelMark, export};
use nook::store::{Kind, MODEL_KEY, MemoryStore};

/// A model of the same width as `HashEmbed` that is not it.
fn other_model() -> ModelMark {
    let mark = ModelMark::of(&mut HashEmbed { dims: DIMS }).unwrap();
    let bytes = mark.encode();
    // The mark's values reversed, checksum recomputed: another vector of the same width.
    let (body, _) = bytes.split_at(bytes.len() - 4);
    let head = body.len() - DIMS;
    let mut out = body[..head].to_vec();
    out.extend(body[head..].iter().rev());
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    ModelMark::decode(&out).unwrap()
}

#[test]
fn a_database_is_bound_to_its_model() {
    let mut embed = HashEmbed { dims: DIMS };
    let mark = ModelMark::of(&mut embed).unwrap();
    let store = MemoryStore::new();
    let mut c = Collection::new(settings(), DIMS).unwrap();
    c.bind_model(mark.clone()).unwrap();
    let (writes, _) = c.add(&mut embed, (0..40).map(doc).collect()).unwrap();
    assert!(writes.iter().any(|w| w.key == MODEL_KEY), "the first change stores the mark");
    store.apply(&writes);
    let (writes, _) = c.add(&mut embed, vec![doc(41)]).unwrap();
    assert!(!writes.iter().any(|w| w.key == MODEL_KEY), "and only the first");
    store.apply(&writes);

    let mut same = Collection::load(settings(), DIMS, &store.snapshot()).unwrap();
    same.bind_model(mark.clone()).unwrap();
    assert_eq!(same.len(), 41);
    let mut other = Collection::load(settings(), DIMS, &store.snapshot()).unwrap();
    let err = other.bind_model(other_model()).unwrap_err();
    assert_eq!(err.kind, Kind::Input, "{}", err.message);
    assert!(err.message.contains("another model"), "{}", err.message);

    // An export carries the mark.
    let copy = export::decode(&export::encode(&same.snapshot())).unwrap();
    let mut imported = Collection::load(settings(), DIMS, &copy).unwrap();
    assert_eq!(imported.bind_model(other_model()).unwrap_err().kind, Kind::Input);
}

#[test]
fn a_database_without_a_mark_takes_the_model_it_is_opened_with() {
    let path = format!("{}/tests/fixtures/formats/v1/flat.export", env!("CARGO_MANIFEST_DIR"));
    let snap = export::decode(&std::fs::read(&path).expect("the v1 fixture is committed")).unwrap();
    assert!(!snap.meta.iter().any(|(k, _)| *k == MODEL_KEY), "v1 databases have no mark");
    let store = MemoryStore::new();
    store.apply(&snap.writes());
    let mut embed = HashEmbed { dims: DIMS };
    let mut c = Collection::load(settings(), DIMS, &store.snapshot()).unwrap();
    c.bind_model(ModelMark::of(&mut embed).unwrap()).unwrap();
    let (writes, _) = c.add(&mut embed, vec![doc(9_999)]).unwrap();
    store.apply(&writes);
    let mut again = Collection::load(settings(), DIMS, &store.snapshot()).unwrap();
    assert_eq!(again.bind_model(other_model()).unwrap_err().kind, Kind::Input, "the mark was stored with the change");
}
