//! Fuzz the index decoder: any bytes must load or return `Err`, never panic, hang or
//! allocate without bound. A loaded index must also survive a search and a re-save.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nook::TableVectors;
use nook::index::{PrunedIndex, TwoLevelParams, VectorIndex};

fuzz_target!(|data: &[u8]| {
    if let Ok(idx) = VectorIndex::load(data) {
        let q = vec![0.5f32; idx.params().dims];
        let _ = idx.search(&q, 3, 16, None, &mut idx.scratch());
        assert_eq!(VectorIndex::load(&idx.save()).map(|i| i.save()).ok(), Some(idx.save()));
    }
    if let Ok(idx) = PrunedIndex::load(data) {
        let dims = idx.params().dims;
        let q = vec![0.5f32; dims];
        let table = vec![0.25f32; dims * idx.ids().nodes().min(1 << 16)];
        let mut provider = TableVectors { vectors: &table, dims };
        let _ = idx.search(&q, 3, &TwoLevelParams::default(), None, &mut provider, &mut idx.scratch());
    }
});
