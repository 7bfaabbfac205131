//! Paths in profiles: `${VAR}` and `$VAR` substitution, `~`, relative paths, and re-rooting of
//! absolute paths baked in by a BaaS console when the files were unpacked somewhere else.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Where variables come from: the process environment, or a fixed map (tests).
#[derive(Debug, Clone, Default)]
pub(crate) enum Vars {
    #[default]
    Process,
    Fixed(HashMap<String, String>),
}

impl Vars {
    fn get(&self, name: &str) -> Option<String> {
        let found = match self {
            Vars::Process => std::env::var(name).ok(),
            Vars::Fixed(map) => map.get(name).cloned(),
        };
        match (found, name) {
            (Some(v), _) => Some(v),
            // Go's default GOPATH, as fabric-sdk-go substitutes it.
            (None, "GOPATH") => self.get("HOME").map(|h| format!("{h}/go")),
            (None, _) => None,
        }
    }
}

/// Substitutes `${NAME}` and `$NAME`. Returns the first unset variable's name on failure.
pub(crate) fn substitute(raw: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                // An unclosed `${` stays as written, as in fabric-sdk-go.
                None => ("", 0),
            }
        } else {
            let end = after
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
                .map_or(after.len(), |(j, _)| j);
            (&after[..end], end)
        };
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            out.push('$');
            rest = after;
            continue;
        }
        match vars.get(name) {
            Some(value) => out.push_str(&value),
            None => return Err(name.to_owned()),
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Makes `path` absolute against `base`, expanding a leading `~/`.
pub(crate) fn absolutize(path: &str, base: &Path, vars: &Vars) -> PathBuf {
    let expanded = match path.strip_prefix("~/") {
        Some(rest) => match vars.get("HOME") {
            Some(home) => Path::new(&home).join(rest),
            None => PathBuf::from(path),
        },
        None => PathBuf::from(path),
    };
    if expanded.is_absolute() {
        expanded
    } else {
        base.join(expanded)
    }
}

/// For an absolute path that does not exist, looks for the same file under `roots` by its
/// trailing components, longest first: `/srv/app/bcs/org.peer/msp/x.pem` is found as
/// `<root>/org.peer/msp/x.pem` when the download was unpacked at `<root>`.
pub(crate) fn reroot(path: &Path, roots: &[PathBuf]) -> Option<PathBuf> {
    let parts: Vec<&std::ffi::OsStr> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p),
            _ => None,
        })
        .collect();
    for skip in 1..parts.len() {
        let tail: PathBuf = parts[skip..].iter().collect();
        for root in roots {
            let candidate = root.join(&tail);
            if candidate.exists() {
                return Some(candidate);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn vars() -> Vars {
        Vars::Fixed(HashMap::from([
            ("HOME".to_owned(), "/home/u".to_owned()),
            ("CERTS".to_owned(), "/certs".to_owned()),
        ]))
    }

    #[test]
    fn braced_and_bare_variables() {
        assert_eq!(substitute("${CERTS}/a", &vars()).unwrap(), "/certs/a");
        assert_eq!(substitute("$CERTS/a", &vars()).unwrap(), "/certs/a");
        assert_eq!(
            substitute("$GOPATH/src", &vars()).unwrap(),
            "/home/u/go/src"
        );
        assert_eq!(substitute("a$", &vars()).unwrap(), "a$");
        assert_eq!(substitute("${X", &vars()).unwrap(), "${X");
        assert_eq!(substitute("$1x", &vars()).unwrap(), "$1x");
        assert_eq!(substitute("${NOPE}/a", &vars()).unwrap_err(), "NOPE");
        assert_eq!(substitute("$NOPE", &vars()).unwrap_err(), "NOPE");
    }

    #[test]
    fn relative_and_home_paths() {
        let base = Path::new("/p");
        assert_eq!(absolutize("a/b", base, &vars()), PathBuf::from("/p/a/b"));
        assert_eq!(absolutize("/x", base, &vars()), PathBuf::from("/x"));
        assert_eq!(absolutize("~/k", base, &vars()), PathBuf::from("/home/u/k"));
    }

    #[test]
    fn reroot_finds_the_longest_existing_tail() {
        let dir = std::env::temp_dir().join(format!("fabweave-reroot-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("org.peer/msp")).unwrap();
        std::fs::write(dir.join("org.peer/msp/x.pem"), "x").unwrap();
        let found = reroot(
            Path::new("/srv/app/bcs/org.peer/msp/x.pem"),
            std::slice::from_ref(&dir),
        );
        assert_eq!(found, Some(dir.join("org.peer/msp/x.pem")));
        assert_eq!(
            reroot(Path::new("/srv/none.pem"), std::slice::from_ref(&dir)),
            None
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
