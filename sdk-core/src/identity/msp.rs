//! Loading an identity from an MSP folder (`signcerts/`, `keystore/`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{read_certificate, read_key, unreadable, Identity};
use crate::crypto::Signer;
use crate::error::{Error, IdentityProblem, Result};

pub(super) fn load(msp_id: String, dir: &Path, passphrase: Option<&[u8]>) -> Result<Identity> {
    let signcerts = dir.join("signcerts");
    let cert_path = match files_in(&signcerts)?.as_slice() {
        [] => return Err(not_one(&signcerts, 0)),
        [one] => one.clone(),
        several => return Err(several_files(&signcerts, several)),
    };
    let certificate = read_certificate(&cert_path)?;

    let keystore = dir.join("keystore");
    let keys = files_in(&keystore)?;
    let (key_path, signer) =
        match keys.as_slice() {
            [] => return Err(not_one(&keystore, 0)),
            [one] => (one.clone(), read_key(one, passphrase)?),
            several => pick_matching_key(several, certificate.public_key_der(), passphrase)
                .map_err(|e| match e {
                    Pick::Error(e) => e,
                    Pick::NoneMatches => Error::identity(
                        Some(keystore.clone()),
                        IdentityProblem::NoMatchingKey {
                            files: names(several),
                            certificate: cert_path.clone(),
                        },
                    ),
                })?,
        };
    Identity::with_files(msp_id, certificate, signer, &cert_path, &key_path)
}

enum Pick {
    /// A key could not be loaded for a reason the user can fix (passphrase).
    Error(Error),
    NoneMatches,
}

/// The first key among `paths` whose public key is the certificate's.
///
/// Files that fail to load are passed over, but if none matches and one failed for want of the
/// right passphrase, that error is the one to report: the matching key may be the encrypted one.
fn pick_matching_key(
    paths: &[PathBuf],
    cert_public_key: &[u8],
    passphrase: Option<&[u8]>,
) -> Result<(PathBuf, Arc<dyn Signer>), Pick> {
    let mut passphrase_error = None;
    for path in paths {
        match read_key(path, passphrase) {
            Ok(signer) if signer.matches_public_key(cert_public_key) => {
                return Ok((path.clone(), signer));
            }
            Ok(_) => {}
            Err(
                e @ Error::Identity {
                    problem: IdentityProblem::PassphraseRequired | IdentityProblem::WrongPassphrase,
                    ..
                },
            ) => {
                passphrase_error.get_or_insert(e);
            }
            Err(_) => {}
        }
    }
    Err(passphrase_error.map_or(Pick::NoneMatches, Pick::Error))
}

/// Regular files (following symlinks) in `dir`, sorted, without hidden ones.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| unreadable(dir, &e))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(dir, &e))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn names(paths: &[PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| {
            p.file_name()
                .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
        })
        .collect()
}

fn not_one(dir: &Path, found: usize) -> Error {
    Error::identity(
        Some(dir.to_path_buf()),
        IdentityProblem::NotExactlyOneFile { found },
    )
}

fn several_files(dir: &Path, paths: &[PathBuf]) -> Error {
    Error::identity(
        Some(dir.to_path_buf()),
        IdentityProblem::SeveralFiles {
            files: names(paths),
        },
    )
}
