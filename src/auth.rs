//! Access control of browser and bot connections: join tokens and the Origin allowlist.
//!
//! A join token lets an operator's own web backend decide who may play: it signs the player's
//! name and an expiry time with a secret shared with this server, and the server checks the
//! signature before it welcomes the player. The token is
//! `<expires>.<signature>`: `expires` in Unix seconds (decimal), `signature` the lowercase hex
//! HMAC-SHA256, keyed with the secret, of the UTF-8 bytes of `"<expires>:<name>"` (the name
//! exactly as the client sends it in `Hello`).
//!
//! Pure functions of their inputs (the clock is a parameter); nothing here touches a request.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Hex digits of a SHA-256 signature.
const SIGNATURE_HEX_LEN: usize = 64;
/// Longest token: 20 digits of a `u64`, the dot, the signature.
const MAX_TOKEN_LEN: usize = 20 + 1 + SIGNATURE_HEX_LEN;

/// Why a join token was refused. The words are safe to show the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("this server needs a join token")]
    Missing,
    #[error("the join token is malformed")]
    Malformed,
    #[error("the join token has expired")]
    Expired,
    #[error("the join token is not valid for this name")]
    BadSignature,
}

/// A join token for `name`, valid until `expires` (Unix seconds).
pub fn mint_join_token(secret: &[u8], name: &str, expires: u64) -> String {
    let signature = sign(secret, name, expires).finalize().into_bytes();
    format!("{expires}.{}", to_hex(&signature))
}

/// Parses a token's expiry and signature without checking them: what can be refused before
/// the WebSocket upgrade, when the name is not known yet.
pub fn parse_join_token(token: &str) -> Result<(u64, Vec<u8>), TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let (expires, signature) = token.split_once('.').ok_or(TokenError::Malformed)?;
    if expires.is_empty() || !expires.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TokenError::Malformed);
    }
    let expires = expires.parse().map_err(|_| TokenError::Malformed)?;
    if signature.len() != SIGNATURE_HEX_LEN {
        return Err(TokenError::Malformed);
    }
    let signature = from_hex(signature).ok_or(TokenError::Malformed)?;
    Ok((expires, signature))
}

/// Checks that `token` was minted with `secret` for `name` and has not expired at `now` (Unix
/// seconds). The signature is compared in constant time.
pub fn verify_join_token(
    secret: &[u8],
    token: &str,
    name: &str,
    now: u64,
) -> Result<(), TokenError> {
    let (expires, signature) = parse_join_token(token)?;
    sign(secret, name, expires)
        .verify_slice(&signature)
        .map_err(|_| TokenError::BadSignature)?;
    if expires <= now {
        return Err(TokenError::Expired);
    }
    Ok(())
}

fn sign(secret: &[u8], name: &str, expires: u64) -> HmacSha256 {
    // HMAC takes keys of any length; this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(format!("{expires}:{name}").as_bytes());
    mac
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| {
            let pair = hex.get(i..i + 2)?;
            if !pair.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            u8::from_str_radix(pair, 16).ok()
        })
        .collect()
}

/// The current time in Unix seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a WebSocket upgrade with this `Origin` header may proceed. Clients that send no
/// Origin (bots, tools) are not browsers and are let through; browsers always send one. Allowed:
/// the server's own origin as configured (`own`, from `--public-url`; never taken from the
/// request's `Host`, which a DNS-rebinding page controls), localhost in any scheme and port,
/// and every entry of `allowed` (compared without regard to case and a trailing slash; `*`
/// allows everything).
pub fn origin_allowed(origin: Option<&str>, own: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    let origin = origin.trim().trim_end_matches('/');
    let same = |a: &str| a.trim().trim_end_matches('/').eq_ignore_ascii_case(origin);
    if own.is_some_and(same) || allowed.iter().any(|a| a == "*" || same(a)) {
        return true;
    }
    let Some((_scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let hostname = match authority.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    matches!(
        hostname.to_ascii_lowercase().as_str(),
        "localhost" | "127.0.0.1" | "::1"
    )
}

/// The origin (`scheme://host[:port]`) of a URL such as `--public-url`, or why it has none.
pub fn origin_of(url: &str) -> Result<String, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url:?} is not a URL (no scheme://)"))?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err(format!("{url:?}: the scheme must be http or https"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err(format!("{url:?} has no host (or has user information)"));
    }
    Ok(format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a secret of some length";

    #[test]
    fn a_minted_token_verifies_for_its_name_until_it_expires() {
        let token = mint_join_token(SECRET, "ada", 1_000);
        assert_eq!(verify_join_token(SECRET, &token, "ada", 999), Ok(()));
        assert_eq!(
            verify_join_token(SECRET, &token, "ada", 1_000),
            Err(TokenError::Expired)
        );
        assert_eq!(
            verify_join_token(SECRET, &token, "bob", 999),
            Err(TokenError::BadSignature)
        );
        assert_eq!(
            verify_join_token(b"another secret entirely", &token, "ada", 999),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_token_cannot_move_its_expiry() {
        let token = mint_join_token(SECRET, "ada", 1_000);
        let (_, signature) = token.split_once('.').unwrap();
        let extended = format!("9999999.{signature}");
        assert_eq!(
            verify_join_token(SECRET, &extended, "ada", 999),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_expiry_colon_name() {
        // Computed independently with Python:
        // hmac.new(b"a secret of some length", b"1700000000:ada", hashlib.sha256).hexdigest()
        assert_eq!(
            mint_join_token(SECRET, "ada", 1_700_000_000),
            "1700000000.1347b071b055d8dd4baa3805bc825795949d358ba1e4d1caa04c12e546177ad2"
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for token in [
            "",
            "123",
            ".abc",
            "12.34",
            "x1.00",
            &format!("1.{}", "g".repeat(64)),
            &format!("1.{}", "a".repeat(63)),
            &format!("{}.{}", "9".repeat(30), "a".repeat(64)),
            &format!("1.{}", "é".repeat(32)),
        ] {
            assert_eq!(
                verify_join_token(SECRET, token, "ada", 0),
                Err(TokenError::Malformed),
                "{token:?}"
            );
        }
    }

    #[test]
    fn origins_allowed_by_default_are_the_configured_own_one_and_localhost() {
        let none: [String; 0] = [];
        let own = Some("https://game.example:8080");
        assert!(origin_allowed(None, own, &none));
        assert!(origin_allowed(
            Some("https://game.example:8080"),
            own,
            &none
        ));
        assert!(origin_allowed(Some("http://localhost:5173"), None, &none));
        assert!(origin_allowed(Some("http://127.0.0.1:9"), None, &none));
        assert!(origin_allowed(Some("http://[::1]:9"), None, &none));
        assert!(!origin_allowed(Some("https://evil.example"), own, &none));
        // Without --public-url, a page's own host is not trusted (DNS rebinding).
        assert!(!origin_allowed(
            Some("https://game.example:8080"),
            None,
            &none
        ));
        assert!(!origin_allowed(
            Some("https://localhost.evil.example"),
            None,
            &none
        ));
        assert!(!origin_allowed(Some("null"), own, &none));
    }

    #[test]
    fn the_origin_of_a_public_url() {
        assert_eq!(
            origin_of("https://Game.Example:8443/play?x=1").as_deref(),
            Ok("https://game.example:8443")
        );
        assert_eq!(
            origin_of("http://game.example").as_deref(),
            Ok("http://game.example")
        );
        assert!(origin_of("game.example").is_err());
        assert!(origin_of("ftp://game.example").is_err());
        assert!(origin_of("https://user@game.example").is_err());
        assert!(origin_of("https:///path").is_err());
    }

    #[test]
    fn configured_origins_and_the_wildcard_are_allowed() {
        let allowed = vec!["https://play.example.com/".to_string()];
        assert!(origin_allowed(
            Some("https://PLAY.example.com"),
            None,
            &allowed
        ));
        assert!(!origin_allowed(
            Some("http://play.example.com"),
            None,
            &allowed
        ));
        assert!(origin_allowed(
            Some("https://anything"),
            None,
            &["*".to_string()]
        ));
    }
}
