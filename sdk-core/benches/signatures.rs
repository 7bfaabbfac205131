//! Sign and verify per algorithm: ECDSA P-256 (SHA-256, low-S) and SM2 (SM3 over Z_A ‖ M),
//! over a 300-byte message (the size of a small proposal).
//!
//! Run: `cargo bench -p fabweave --bench signatures`
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use fabweave::crypto::{load_private_key, verify, Signer, Sm2Signer, DEFAULT_DISTID};

fn bench(c: &mut Criterion) {
    let message = vec![0x5au8; 300];
    let p256 = load_private_key(
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/identity/ec_pkcs8.pem"
        )),
        None,
    )
    .unwrap();
    let sm2 = Sm2Signer::from_bytes(&[0x17; 32], DEFAULT_DISTID).unwrap();
    let signers: [(&str, &dyn Signer); 2] = [("ECDSA P-256", p256.as_ref()), ("SM2", &sm2)];
    let mut g = c.benchmark_group("signatures");
    for (name, signer) in signers {
        let spki = signer.public_key_der();
        let signature = signer.sign(&message).unwrap();
        verify(&spki, &message, &signature).unwrap();
        g.bench_function(format!("{name} sign"), |b| {
            b.iter(|| black_box(signer.sign(black_box(&message)).unwrap()))
        });
        g.bench_function(format!("{name} verify"), |b| {
            b.iter(|| verify(black_box(&spki), black_box(&message), black_box(&signature)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
