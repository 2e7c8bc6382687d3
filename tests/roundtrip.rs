//! Every record format round-trips, for generated values (proptest): varints, documents,
//! the manifest, whole exports, half floats. And a document or manifest with any one byte
//! changed is refused (their crc), never read as something else.

use proptest::collection::vec;
use proptest::prelude::*;

use nook::collection::manifest::Manifest;
use nook::collection::{Doc, export};
use nook::format::half::{f16_to_f32, f32_to_f16};
use nook::format::varint::{Reader, put_varint};
use nook::store::Snapshot;

fn doc() -> impl Strategy<Value = Doc> {
    // A kept embedding (a finite scale and int8 values), or none.
    let int8 = (0f32..1.0, vec(any::<u8>(), 1..400)).prop_map(|(scale, q)| scale.to_le_bytes().into_iter().chain(q).collect());
    let kept = prop_oneof![Just(Vec::new()), int8];
    (".{1,40}", ".{0,80}", ".{0,80}", ".{0,400}", ".{0,80}", vec(any::<u32>(), 0..300), kept).prop_map(|(id, title, url, text, meta, tokens, kept)| Doc {
        id,
        title,
        url,
        text,
        meta,
        tokens,
        kept,
    })
}

fn manifest() -> impl Strategy<Value = Manifest> {
    (any::<u64>(), any::<u64>(), any::<u64>(), vec(any::<u8>(), 0..200), vec(any::<u32>(), 0..50), any::<u32>())
        .prop_map(|(generation, next_key, docs, head, block_crcs, codebook_crc)| Manifest { generation, next_key, docs, head, block_crcs, codebook_crc })
}

/// Records with unique keys, in key order (as a store returns them).
fn records() -> impl Strategy<Value = Vec<(u64, Vec<u8>)>> {
    proptest::collection::btree_map(any::<u64>(), vec(any::<u8>(), 0..64), 0..20).prop_map(|m| m.into_iter().collect())
}

/// `bytes` (the encoding of `value`) decode to `value`, and with the byte at `at` changed
/// by `flip` they are refused.
fn round_trips_and_refuses_changes<T: PartialEq + std::fmt::Debug, E>(
    value: &T,
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> Result<T, E>,
    at: prop::sample::Index,
    flip: u8,
) -> Result<(), TestCaseError> {
    let got = decode(bytes).ok();
    prop_assert_eq!(got.as_ref(), Some(value));
    let mut bad = bytes.to_vec();
    let i = at.index(bad.len());
    bad[i] ^= flip;
    prop_assert!(decode(&bad).is_err(), "byte {} changed and the record still decodes", i);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn varints_round_trip(values in vec(any::<u64>(), 1..20)) {
        let mut bytes = Vec::new();
        values.iter().for_each(|&v| put_varint(&mut bytes, v));
        let mut r = Reader::new(&bytes);
        for &v in &values {
            prop_assert_eq!(r.varint().unwrap(), v);
        }
        prop_assert!(r.is_empty());
    }

    #[test]
    fn documents_round_trip_and_refuse_any_changed_byte(d in doc(), at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        round_trips_and_refuses_changes(&d, &d.encode(), Doc::decode, at, flip)?;
    }

    #[test]
    fn manifests_round_trip_and_refuse_any_changed_byte(m in manifest(), at in any::<prop::sample::Index>(), flip in 1u8..=255) {
        round_trips_and_refuses_changes(&m, &m.encode(), Manifest::decode, at, flip)?;
    }

    #[test]
    fn exports_round_trip(meta in records(), docs in records(), blocks in records()) {
        let snap = Snapshot { meta, docs, blocks };
        prop_assert_eq!(export::decode(&export::encode(&snap)).unwrap(), snap);
    }

    #[test]
    fn half_floats_keep_eleven_bits(x in -65000.0f32..65000.0) {
        let y = f16_to_f32(f32_to_f16(x));
        // Normal halves keep 11 significant bits; below 2^-14 the step is 2^-24.
        prop_assert!((y - x).abs() <= x.abs() * (1.0 / 2048.0) + 1.0 / 16_777_216.0, "{} -> {}", x, y);
    }
}
