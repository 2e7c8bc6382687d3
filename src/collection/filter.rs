//! Metadata filters: `{field: value | [values]}` as the client passes them, checked once
//! and turned into a predicate over a document's meta JSON. A document matches when every
//! field is present at the top level of its meta with one of the field's values. Values
//! are scalars — strings, numbers, booleans, null — compared as JavaScript's `Object.is`
//! compares them (so `0` and `-0` differ; an object never equals anything). The check runs
//! in Rust for every candidate a search considers (every document in a scan), with no
//! call into JavaScript.

use super::Doc;
use crate::records::{Failure, Result};

/// A filter value.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
}

impl Scalar {
    /// `Object.is(json, self)`.
    fn is(&self, json: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (self, json) {
            (Scalar::Null, Value::Null) => true,
            (Scalar::Bool(a), Value::Bool(b)) => a == b,
            (Scalar::Str(a), Value::String(b)) => a == b,
            (Scalar::Num(a), Value::Number(b)) => b.as_f64().is_some_and(|b| *a == b && a.is_sign_negative() == b.is_sign_negative()),
            _ => false,
        }
    }
}

/// A compiled filter: every field must hold one of its values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetaFilter {
    fields: Vec<(String, Vec<Scalar>)>,
}

impl MetaFilter {
    /// At most this many fields, and values per field (a filter is typed by a program,
    /// but it crosses the worker boundary from anywhere).
    pub const MAX: usize = 1024;

    /// A filter from `(field, values)` pairs: at least one field, no empty field name,
    /// each field with 1..=`MAX` values.
    pub fn new(fields: Vec<(String, Vec<Scalar>)>) -> Result<Self> {
        if fields.is_empty() || fields.len() > Self::MAX {
            return Err(Failure::input(format!("a filter needs 1 to {} fields, got {}", Self::MAX, fields.len())));
        }
        for (name, values) in &fields {
            if name.is_empty() {
                return Err(Failure::input("a filter field name must not be empty"));
            }
            if values.is_empty() || values.len() > Self::MAX {
                return Err(Failure::input(format!("filter field {name:?} needs 1 to {} values, got {}", Self::MAX, values.len())));
            }
        }
        Ok(MetaFilter { fields })
    }

    /// Does `doc`'s meta hold every field with one of its values? A document without
    /// meta, or whose meta is not a JSON object, matches no filter.
    pub fn matches(&self, doc: &Doc) -> bool {
        if doc.meta.is_empty() {
            return false;
        }
        let Ok(serde_json::Value::Object(meta)) = serde_json::from_str::<serde_json::Value>(&doc.meta) else {
            return false;
        };
        self.fields.iter().all(|(name, values)| meta.get(name).is_some_and(|got| values.iter().any(|v| v.is(got))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(meta: &str) -> Doc {
        Doc { id: "d".into(), meta: meta.into(), ..Doc::default() }
    }

    fn filter(fields: &[(&str, &[Scalar])]) -> MetaFilter {
        MetaFilter::new(fields.iter().map(|(n, v)| (n.to_string(), v.to_vec())).collect()).unwrap()
    }

    #[test]
    fn matches_like_object_is_on_top_level_fields() {
        let s = |x: &str| Scalar::Str(x.into());
        let d = doc(r#"{"tag":"fruit","n":3,"ok":true,"none":null,"z":-0,"nested":{"tag":"car"},"list":["fruit"]}"#);
        assert!(filter(&[("tag", &[s("fruit")])]).matches(&d));
        assert!(filter(&[("tag", &[s("car"), s("fruit")]), ("n", &[Scalar::Num(3.0)])]).matches(&d));
        assert!(filter(&[("ok", &[Scalar::Bool(true)]), ("none", &[Scalar::Null])]).matches(&d));
        assert!(filter(&[("z", &[Scalar::Num(-0.0)])]).matches(&d));
        assert!(!filter(&[("z", &[Scalar::Num(0.0)])]).matches(&d), "Object.is(-0, 0) is false");
        assert!(!filter(&[("tag", &[s("car")])]).matches(&d));
        assert!(!filter(&[("n", &[s("3")])]).matches(&d), "no type coercion");
        assert!(!filter(&[("nested", &[s("car")])]).matches(&d), "objects equal nothing");
        assert!(!filter(&[("list", &[s("fruit")])]).matches(&d), "arrays equal nothing");
        assert!(!filter(&[("missing", &[Scalar::Null])]).matches(&d), "a missing field is not null");
        assert!(!filter(&[("tag", &[s("fruit")]), ("n", &[Scalar::Num(4.0)])]).matches(&d), "every field must match");
    }

    #[test]
    fn documents_without_object_meta_match_nothing() {
        let f = filter(&[("tag", &[Scalar::Str("fruit".into())])]);
        for meta in ["", "not json", "[1,2]", "\"fruit\"", "{\"tag\":"] {
            assert!(!f.matches(&doc(meta)), "{meta:?}");
        }
    }

    #[test]
    fn empty_or_oversized_filters_are_input_errors() {
        assert!(MetaFilter::new(vec![]).is_err());
        assert!(MetaFilter::new(vec![(String::new(), vec![Scalar::Null])]).is_err());
        assert!(MetaFilter::new(vec![("tag".into(), vec![])]).is_err());
        assert!(MetaFilter::new(vec![("tag".into(), vec![Scalar::Null; MetaFilter::MAX + 1])]).is_err());
    }
}
