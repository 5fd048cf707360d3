//! Access control: TLS (https and wss with a certificate made here), the Origin allowlist, and
//! join tokens (minted by the library and by the `mint-token` tool).

mod common;

use std::sync::Arc;

use common::raw::RawClient;
use common::{spawn_app_with, test_config, WAIT};
use skirmish::auth::{mint_join_token, unix_now};
use skirmish::config::Config;
use skirmish::protocol::{ClientMsg, CloseCode, ErrorCode, ServerMsg, PROTOCOL_VERSION};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;

/// A self-signed certificate for localhost, written to files the server reads.
fn certificate_files(tag: &str) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).expect("a certificate");
    let dir = std::env::temp_dir().join(format!("skirmish-tls-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key, certified.cert.der().to_vec())
}

async fn tls_connect(
    addr: std::net::SocketAddr,
    trusted: Vec<u8>,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.into()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect("localhost".try_into().unwrap(), tcp)
        .await
        .expect("a TLS handshake with the server's certificate")
}

#[tokio::test]
async fn tls_serves_wss_and_https() {
    let (cert, key, der) = certificate_files("serve");
    let app = spawn_app_with(Config {
        tls_cert: Some(cert),
        tls_key: Some(key),
        ..test_config()
    });
    assert!(app.ws_url().starts_with("wss://"));

    let tls = tls_connect(app.addr, der.clone()).await;
    let (mut ws, _) = tokio_tungstenite::client_async("wss://localhost/ws", tls)
        .await
        .expect("a WebSocket over TLS");
    use futures_util::{SinkExt, StreamExt};
    ws.send(tokio_tungstenite::tungstenite::Message::binary(
        skirmish::protocol::encode_client(&ClientMsg::Hello {
            protocol: PROTOCOL_VERSION,
            name: "secure".into(),
        }),
    ))
    .await
    .unwrap();
    let answer = tokio::time::timeout(WAIT, ws.next())
        .await
        .expect("an answer")
        .expect("a frame")
        .expect("no error");
    let welcome = skirmish::protocol::decode_server(&answer.into_data()).unwrap();
    assert!(matches!(welcome, ServerMsg::Welcome { .. }), "{welcome:?}");

    let mut tls = tls_connect(app.addr, der).await;
    tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let _ = tokio::time::timeout(WAIT, tls.read_to_end(&mut response)).await;
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

#[test]
fn a_missing_certificate_is_a_clear_startup_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let result = skirmish::startup::spawn_on(
        listener,
        Config {
            tls_cert: Some("/nonexistent/cert.pem".into()),
            tls_key: Some("/nonexistent/key.pem".into()),
            ..test_config()
        },
    );
    let err = result.err().expect("refused").to_string();
    assert!(err.contains("/nonexistent/cert.pem"), "{err}");
}

#[tokio::test]
async fn browsers_from_foreign_origins_are_refused() {
    let app = spawn_app_with(Config {
        allowed_origins: vec!["https://play.example.com".into()],
        ..test_config()
    });
    let own = format!("http://{}", app.addr);
    for (origin, allowed) in [
        ("https://evil.example", false),
        ("null", false),
        ("https://play.example.com", true),
        ("http://localhost:5173", true),
        (own.as_str(), true),
    ] {
        let result = RawClient::connect_with(&app, &[("origin", origin)]).await;
        assert_eq!(result.is_ok(), allowed, "{origin}: {:?}", result.err());
        if !allowed {
            assert_eq!(result.err(), Some(403), "{origin}");
        }
    }
    // No Origin: not a browser.
    assert!(RawClient::connect_with(&app, &[]).await.is_ok());
    // Two Origins: which one a check reads would be a guess.
    let two = [
        ("origin", "https://play.example.com"),
        ("origin", "https://evil.example"),
    ];
    assert_eq!(RawClient::connect_with(&app, &two).await.err(), Some(400));
}

#[tokio::test]
async fn the_servers_own_origin_comes_from_its_configuration_not_the_host_header() {
    // A DNS-rebinding page: its origin names the host the browser was sent to.
    let rebinding = [
        ("origin", "http://rebound.example:8080"),
        ("host", "rebound.example:8080"),
    ];
    let app = spawn_app_with(test_config());
    assert_eq!(
        RawClient::connect_with(&app, &rebinding).await.err(),
        Some(403)
    );
    let app = spawn_app_with(Config {
        public_url: Some("http://rebound.example:8080/".into()),
        ..test_config()
    });
    assert!(RawClient::connect_with(&app, &rebinding).await.is_ok());
}

const SECRET: &str = "a shared secret for the tests";

async fn hello_with_token(
    app: &skirmish::startup::RunningServer,
    token: Option<&str>,
    name: &str,
) -> Result<RawClient, u16> {
    let url = match token {
        Some(token) => format!("{}?token={token}", app.ws_url()),
        None => app.ws_url(),
    };
    let mut client = RawClient::connect_url(&url, &[]).await?;
    client.send_hello(name).await;
    Ok(client)
}

#[tokio::test]
async fn join_tokens_are_required_when_a_secret_is_set() {
    let app = spawn_app_with(Config {
        join_secret: Some(SECRET.into()),
        ..test_config()
    });
    let in_an_hour = unix_now() + 3600;
    assert_eq!(hello_with_token(&app, None, "ada").await.err(), Some(401));
    assert_eq!(
        hello_with_token(&app, Some("12.zz"), "ada").await.err(),
        Some(401)
    );

    let good = mint_join_token(SECRET.as_bytes(), "ada", in_an_hour);
    let mut client = hello_with_token(&app, Some(&good), "ada").await.unwrap();
    client
        .expect(|m| matches!(m, ServerMsg::Welcome { .. }).then_some(()))
        .await;

    for (token, name, case) in [
        (good.clone(), "eve", "another name"),
        (
            mint_join_token(SECRET.as_bytes(), "ada", unix_now() - 1),
            "ada",
            "expired",
        ),
        (
            mint_join_token(b"not the server's secret", "ada", in_an_hour),
            "ada",
            "another secret",
        ),
    ] {
        let mut client = hello_with_token(&app, Some(&token), name).await.unwrap();
        let ending = client.ending().await;
        assert_eq!(
            ending.error_codes(),
            vec![ErrorCode::Unauthorized],
            "{case}"
        );
        assert_eq!(ending.code, CloseCode::Unauthorized, "{case}");
    }
}

#[tokio::test]
async fn the_mint_token_tool_makes_tokens_the_server_takes() {
    let app = spawn_app_with(Config {
        join_secret: Some(SECRET.into()),
        ..test_config()
    });
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mint-token"))
        .args(["--name", "bob", "--ttl", "60"])
        .env("SKIRMISH_JOIN_SECRET", SECRET)
        .output()
        .expect("mint-token runs");
    assert!(output.status.success());
    let token = String::from_utf8(output.stdout).unwrap();
    let mut client = hello_with_token(&app, Some(token.trim()), "bob")
        .await
        .unwrap();
    client
        .expect(|m| matches!(m, ServerMsg::Welcome { .. }).then_some(()))
        .await;
}
