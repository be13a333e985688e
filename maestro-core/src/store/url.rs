//! Locations of server stores: URLs, and how to show them without their secret.

/// Whether `location` names a PostgreSQL database (`postgres://` or `postgresql://`)
/// rather than a SQLite file.
pub fn is_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// `url` without the password of its user part, and that password.
pub(crate) fn split_password(url: &str) -> (String, Option<String>) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_owned(), None);
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => (
            format!("{}{}{}", &url[..scheme_end + 3], &authority[..colon], &rest[at..]),
            Some(authority[colon + 1..at].to_owned()),
        ),
        _ => (url.to_owned(), None),
    }
}

/// `url` with its password (if any) replaced by `***`, for messages. A `password=`
/// query parameter is replaced too.
pub fn redact(url: &str) -> String {
    let (bare, password) = split_password(url);
    let mut shown = match password {
        Some(_) => {
            let at = bare.find("://").map(|i| i + 3).unwrap_or(0);
            let user_end = bare[at..].find('@').map(|i| at + i).unwrap_or(at);
            format!("{}:***{}", &bare[..user_end], &bare[user_end..])
        }
        None => bare,
    };
    if let Some(i) = shown.find("password=") {
        let end = shown[i..].find('&').map(|j| i + j).unwrap_or(shown.len());
        shown.replace_range(i + "password=".len()..end, "***");
    }
    shown
}
