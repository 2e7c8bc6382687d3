//! Metadata filters: `{field: value | [values]}` as the client passes them, checked once
//! and turned into a predicate over a document's meta JSON. A document matches when every
//! field is present at the top level of its meta with one of the field's values. Values
//! are scalars — strings, numbers, booleans, null — compared as JavaScript's `Object.is`
//! compares them (so `0` and `-0` differ; an object never equals anything). The check runs
//! in Rust for every candidate a search considers (every document in a scan), with no
//! call into JavaScript, and most documents are turned down without parsing their meta:
//! in JSON without a backslash, a field's name and a string value are written as exactly
//! their characters between quotes, so a document whose meta lacks the name, or every
//! string value asked for, cannot match.

use memchr::memmem::Finder;

use super::DocRef;
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
#[derive(Clone, Debug, Default)]
pub struct MetaFilter {
    fields: Vec<(String, Vec<Scalar>)>,
    /// Per field, what backslash-free meta must contain for the field to match: its name
    /// quoted, and (when every value is a string) one of the values quoted. A name or value
    /// whose JSON needs an escape is written with a backslash, so it cannot occur there.
    needles: Vec<Needles>,
}

#[derive(Clone, Debug, Default)]
struct Needles {
    /// `"name"`, or `None` when it needs an escape.
    name: Option<Finder<'static>>,
    /// `"value"` of each string value without an escape; `None` when a value is not a string.
    values: Option<Vec<Finder<'static>>>,
}

impl Needles {
    fn of(name: &str, values: &[Scalar]) -> Needles {
        let quoted = |s: &str| serde_json::to_string(s).ok().filter(|q| !q.contains('\\')).map(|q| Finder::new(q.as_bytes()).into_owned());
        let values = values.iter().map(|v| if let Scalar::Str(s) = v { Some(quoted(s)) } else { None }).collect::<Option<Vec<_>>>();
        Needles { name: quoted(name), values: values.map(|v| v.into_iter().flatten().collect()) }
    }

    /// Can backslash-free `meta` hold this field with one of its values?
    fn may_match(&self, meta: &[u8]) -> bool {
        self.values.as_ref().is_none_or(|vs| vs.iter().any(|v| v.find(meta).is_some())) && self.name.as_ref().is_none_or(|n| n.find(meta).is_some())
    }
}

/// Filters compare by what they ask for (the needles are derived from it).
impl PartialEq for MetaFilter {
    fn eq(&self, other: &MetaFilter) -> bool {
        self.fields == other.fields
    }
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
        let needles = fields.iter().map(|(name, values)| Needles::of(name, values)).collect();
        Ok(MetaFilter { fields, needles })
    }

    /// Does `doc`'s meta hold every field with one of its values? A document without
    /// meta, or whose meta is not a JSON object, matches no filter.
    pub fn matches(&self, doc: DocRef) -> bool {
        if doc.meta.is_empty() {
            return false;
        }
        let bytes = doc.meta.as_bytes();
        if memchr::memchr(b'\\', bytes).is_none() && !self.needles.iter().all(|n| n.may_match(bytes)) {
            return false;
        }
        let Ok(serde_json::Value::Object(meta)) = serde_json::from_str::<serde_json::Value>(doc.meta) else {
            return false;
        };
        self.fields.iter().all(|(name, values)| meta.get(name).is_some_and(|got| values.iter().any(|v| v.is(got))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collection::Doc;

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
        assert!(filter(&[("tag", &[s("fruit")])]).matches(d.view()));
        assert!(filter(&[("tag", &[s("car"), s("fruit")]), ("n", &[Scalar::Num(3.0)])]).matches(d.view()));
        assert!(filter(&[("ok", &[Scalar::Bool(true)]), ("none", &[Scalar::Null])]).matches(d.view()));
        assert!(filter(&[("z", &[Scalar::Num(-0.0)])]).matches(d.view()));
        assert!(!filter(&[("z", &[Scalar::Num(0.0)])]).matches(d.view()), "Object.is(-0, 0) is false");
        assert!(!filter(&[("tag", &[s("car")])]).matches(d.view()));
        assert!(!filter(&[("n", &[s("3")])]).matches(d.view()), "no type coercion");
        assert!(!filter(&[("nested", &[s("car")])]).matches(d.view()), "objects equal nothing");
        assert!(!filter(&[("list", &[s("fruit")])]).matches(d.view()), "arrays equal nothing");
        assert!(!filter(&[("missing", &[Scalar::Null])]).matches(d.view()), "a missing field is not null");
        assert!(!filter(&[("tag", &[s("fruit")]), ("n", &[Scalar::Num(4.0)])]).matches(d.view()), "every field must match");
    }

    /// The quick rejection never turns down a document the full parse would accept: random
    /// metas (escaped or not, names and values that need escapes, numbers, nesting) against
    /// random filters give the same answer as parsing every meta.
    #[test]
    fn quick_rejection_agrees_with_parsing() {
        let names = ["tag", "folder", "n", "a\"b", "é", "x/y", "t\u{1}"];
        let strs = ["fruit", "Research/tutorials 11", "", "a\"b", "back\\slash", "é", "\u{2028}", "fruit salad"];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let (mut agree, mut quick) = (0, 0);
        for _ in 0..20_000 {
            let mut meta = serde_json::Map::new();
            for _ in 0..next(4) {
                let v = match next(5) {
                    0 => serde_json::json!(next(4)),
                    1 => serde_json::json!(true),
                    2 => serde_json::json!({ "tag": strs[next(strs.len())] }),
                    _ => serde_json::json!(strs[next(strs.len())]),
                };
                meta.insert(names[next(names.len())].to_string(), v);
            }
            let mut text = serde_json::Value::Object(meta).to_string();
            if next(4) == 0 {
                // Another producer's escapes: the same values, written with \uXXXX.
                text = text.replace('r', "\\u0072");
            }
            let fields: Vec<(String, Vec<Scalar>)> = (0..1 + next(2))
                .map(|_| {
                    let values = (0..1 + next(3))
                        .map(|_| if next(5) == 0 { Scalar::Num(next(4) as f64) } else { Scalar::Str(strs[next(strs.len())].to_string()) })
                        .collect();
                    (names[next(names.len())].to_string(), values)
                })
                .collect();
            let f = MetaFilter::new(fields.clone()).unwrap();
            let d = doc(&text);
            let parsed = match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(serde_json::Value::Object(m)) => fields.iter().all(|(n, vs)| m.get(n).is_some_and(|got| vs.iter().any(|v| v.is(got)))),
                _ => false,
            };
            assert_eq!(f.matches(d.view()), parsed, "{text} with {fields:?}");
            agree += usize::from(parsed);
            quick += usize::from(!text.contains('\\') && !f.needles.iter().all(|n| n.may_match(text.as_bytes())));
        }
        assert!(agree > 100 && quick > 5_000, "{agree} matches, {quick} turned down without parsing");
    }

    #[test]
    fn documents_without_object_meta_match_nothing() {
        let f = filter(&[("tag", &[Scalar::Str("fruit".into())])]);
        for meta in ["", "not json", "[1,2]", "\"fruit\"", "{\"tag\":"] {
            assert!(!f.matches(doc(meta).view()), "{meta:?}");
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
