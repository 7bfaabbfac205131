//! Independent SM2/SM3 implementations for the GM interop tests: the `openssl` binary
//! (OpenSSL 3) and two small Go programs over github.com/tjfoc/gmsm (v1.4.1 and v1.3.2, the
//! library GM Fabric forks build on), built from `tests/interop/` on first use.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Runs `openssl ARGS` in `dir`; returns whether it exited 0, and its stdout and stderr
/// together.
pub fn run_openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed (tests/run installs it where missing)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs `openssl ARGS` in `dir`; panics with its output unless it succeeds. Returns stdout and
/// stderr together.
pub fn openssl(dir: &Path, args: &[&str]) -> String {
    let (ok, text) = run_openssl(dir, args);
    assert!(ok, "openssl {args:?}: {text}");
    text
}

/// An SM2 key and a self-signed SM2-with-SM3 certificate for `cn`, made by OpenSSL in `dir`:
/// `{name}.key` (PKCS#8), `{name}.pub` (SPKI PEM) and `{name}.pem` (certificate).
pub fn sm2_key_and_cert(dir: &Path, name: &str, cn: &str) {
    let key = format!("{name}.key");
    openssl(dir, &["genpkey", "-algorithm", "SM2", "-out", &key]);
    openssl(
        dir,
        &[
            "pkey",
            "-in",
            &key,
            "-pubout",
            "-out",
            &format!("{name}.pub"),
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            &key,
            "-sm3",
            "-sigopt",
            "distid:1234567812345678",
            "-subj",
            &format!("/CN={cn}"),
            "-days",
            "2",
            "-out",
            &format!("{name}.pem"),
        ],
    );
}

/// OpenSSL's SM3 of a file in `dir`, as lower-case hex.
pub fn openssl_sm3(dir: &Path, file: &str) -> String {
    let out = openssl(dir, &["dgst", "-sm3", "-r", file]);
    out.split_whitespace().next().unwrap().to_owned()
}

/// Whether `openssl pkeyutl` verifies the SM2 signature in `sig` over `msg` by `pub_pem`
/// (files in `dir`) with the distinguishing ID 1234567812345678.
pub fn openssl_sm2_verifies(dir: &Path, pub_pem: &str, msg: &str, sig: &str) -> bool {
    let out = Command::new("openssl")
        .args([
            "pkeyutl",
            "-verify",
            "-in",
            msg,
            "-pubin",
            "-inkey",
            pub_pem,
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-sigfile",
            sig,
        ])
        .current_dir(dir)
        .output()
        .expect("openssl must be installed");
    let text = String::from_utf8_lossy(&out.stdout);
    out.status.success() && text.contains("Signature Verified Successfully")
}

/// The DER body of a single-block PEM.
pub fn pem_to_der(pem: &str) -> Vec<u8> {
    use base64ct::{Base64, Encoding};
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    Base64::decode_vec(&body).unwrap()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A built Go interop program.
pub struct Gmsm {
    bin: PathBuf,
}

/// What a Go interop program said: its exit code and its output.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Exit 0 (a signature verified, or the command worked).
    pub fn ok(&self) -> bool {
        self.code == 0
    }
    /// Exit 1: a signature did not verify (as opposed to a usage or input error, exit 2).
    pub fn bad(&self) -> bool {
        self.code == 1
    }
}

impl Gmsm {
    /// The program over tjfoc/gmsm v1.4.1 (standard Z_A).
    pub fn v141() -> &'static Gmsm {
        static CELL: OnceLock<Gmsm> = OnceLock::new();
        CELL.get_or_init(|| Gmsm::build("gmsm"))
    }

    /// The program over tjfoc/gmsm v1.3.2 (Z_A with Y unpadded).
    pub fn v132() -> &'static Gmsm {
        static CELL: OnceLock<Gmsm> = OnceLock::new();
        CELL.get_or_init(|| Gmsm::build("gmsm132"))
    }

    fn build(name: &str) -> Gmsm {
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/interop")
            .join(name);
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop");
        std::fs::create_dir_all(&out).unwrap();
        let bin = out.join(name);
        let built = Command::new("go")
            .args(["build", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(&src)
            .env("CGO_ENABLED", "0")
            .env("GOFLAGS", "-mod=mod -buildvcs=false")
            .output()
            .expect("go must be installed (tests/run installs it where missing)");
        assert!(
            built.status.success(),
            "go build in {}: {}",
            src.display(),
            String::from_utf8_lossy(&built.stderr)
        );
        Gmsm { bin }
    }

    /// Runs the program with `args` in `dir`.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Ran {
        let out = Command::new(&self.bin)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        let ran = Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).trim().to_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        };
        assert!(
            ran.code == 0 || ran.code == 1,
            "{} {args:?} failed: {ran:?}",
            self.bin.display()
        );
        ran
    }
}
