//! The one builder of dynamic statements: each value is bound as a numbered placeholder (`$1`,
//! `$2` ... on both engines through sqlx's `Any` driver), never pasted into the SQL text.

/// A bind value for dynamically built statements.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(i64),
    Text(String),
    OptInt(Option<i64>),
    OptText(Option<String>),
    Blob(Vec<u8>),
    OptFloat(Option<f64>),
}

#[derive(Default, Clone)]
pub(crate) struct Args(pub Vec<Arg>);

impl Args {
    pub fn push(&mut self, a: Arg) -> String {
        self.0.push(a);
        format!("${}", self.0.len())
    }

    /// The bind values, for `sqlx::query_with` / `query_as_with`.
    pub fn into_arguments(self) -> sqlx::any::AnyArguments<'static> {
        use sqlx::Arguments;
        let mut out = sqlx::any::AnyArguments::default();
        for a in self.0 {
            // Adding a plain value to Any's arguments cannot fail.
            let added = match a {
                Arg::Int(i) => out.add(i),
                Arg::Text(t) => out.add(t),
                Arg::OptInt(i) => out.add(i),
                Arg::OptText(t) => out.add(t),
                Arg::Blob(b) => out.add(b),
                Arg::OptFloat(f) => out.add(f),
            };
            added.expect("a plain value binds");
        }
        out
    }
}
