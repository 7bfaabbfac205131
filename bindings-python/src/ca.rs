//! `CaClient` (and its `fabweave.aio` twin): a Fabric CA's enroll, reenroll, register, revoke
//! and identity calls over sdk-core's `fabweave::ca::CaClient`, with their results
//! (`Enrollment`, `CaInfo`, `IdentityInfo`, `Revocation`) as small read-only classes.
//!
//! Only conversion lives here: Python options to sdk-core requests, results to Python objects.

use std::path::{Path, PathBuf};

use fabweave::ca::{
    self, Attribute, AttributeRequest, CaInfo as CoreCaInfo, EnrollRequest,
    Enrollment as CoreEnrollment, IdentityInfo as CoreIdentityInfo, KeyAlgorithm, ReenrollRequest,
    RegistrationRequest, Revocation as CoreRevocation, RevocationRequest,
};
use fabweave::config::Profile;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString, PyTuple};
use pyo3::PyClassInitializer;
use zeroize::Zeroizing;

use crate::identity::Identity;
use crate::{error, opt_seconds, pyclass_to_py, twin, Api, ToPy};
use fabweave::identity::Storable;

// ---- Conversion of options ---------------------------------------------------------------------

/// Reads a file named by a PEM option; an unreadable file is the matching `OSError` naming the
/// option and the path.
fn read_file(path: &Path, what: &str) -> PyResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("{what}: cannot read {}: {e}", path.display()),
        )
        .into()
    })
}

/// One PEM option: the PEM itself (`str` holding `-----BEGIN`, `bytes`, `bytearray`) or the
/// path of a file holding it (any other `str`, or an `os.PathLike`).
fn pem_material(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(s) = value.cast::<PyString>() {
        let s = s.to_str()?;
        if s.contains("-----BEGIN") {
            return Ok(s.as_bytes().to_vec());
        }
        return read_file(Path::new(s), what);
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = value.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if let Ok(path) = value.extract::<PathBuf>() {
        return read_file(&path, what);
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be PEM (str or bytes) or a path, not {}",
        value.get_type().name()?
    )))
}

/// `tls_ca=`: one PEM option or a list/tuple of them, as PEM texts.
fn tls_ca_pems(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<String>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    let items: Vec<Bound<'_, PyAny>> =
        if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
            value.try_iter()?.collect::<PyResult<_>>()?
        } else {
            vec![value.clone()]
        };
    items
        .iter()
        .map(|item| {
            let pem = pem_material(item, "tls_ca")?;
            String::from_utf8(pem)
                .map_err(|_| PyValueError::new_err("tls_ca must be PEM text (UTF-8)"))
        })
        .collect()
}

/// `key_algorithm=`: `"p256"` or `"sm2"`.
fn key_algorithm(name: &str) -> PyResult<KeyAlgorithm> {
    match name.to_ascii_lowercase().as_str() {
        "p256" | "p-256" => Ok(KeyAlgorithm::P256),
        "sm2" => Ok(KeyAlgorithm::Sm2),
        _ => Err(PyValueError::new_err(format!(
            "key_algorithm must be 'p256' or 'sm2', not {name:?}"
        ))),
    }
}

/// The `attributes=` of enroll and reenroll: names (each required) or a mapping of name to
/// `optional`.
fn attribute_requests(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<AttributeRequest>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(map) = value.cast::<PyDict>() {
        return map
            .iter()
            .map(|(k, v)| {
                let name: String = k
                    .extract()
                    .map_err(|_| PyTypeError::new_err("attribute names must be str"))?;
                let optional: bool = v.extract().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "attributes[{name:?}] must be a bool (whether the attribute is optional)"
                    ))
                })?;
                Ok(AttributeRequest::new(name, optional))
            })
            .collect();
    }
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "attributes must be a list of names or a dict of name to optional, not a str",
        ));
    }
    value
        .try_iter()?
        .map(|item| {
            let name: String = item?
                .extract()
                .map_err(|_| PyTypeError::new_err("attributes must be a list of names (str)"))?;
            Ok(AttributeRequest::new(name, false))
        })
        .collect()
}

/// One registered attribute: `value` or `(value, ecert)`.
fn attribute_value(name: &str, v: &Bound<'_, PyAny>) -> PyResult<(String, bool)> {
    if let Ok(value) = v.extract::<String>() {
        return Ok((value, false));
    }
    v.extract::<(String, bool)>().map_err(|_| {
        PyTypeError::new_err(format!(
            "attributes[{name:?}] must be a str or a (value, ecert) tuple"
        ))
    })
}

/// The `attributes=` of register and modify_identity: a mapping of name to `value` or
/// `(value, ecert)`, or a list of `(name, value)` / `(name, value, ecert)` tuples.
fn registered_attributes(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Attribute>> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Vec::new());
    };
    if let Ok(map) = value.cast::<PyDict>() {
        return map
            .iter()
            .map(|(k, v)| {
                let name: String = k
                    .extract()
                    .map_err(|_| PyTypeError::new_err("attribute names must be str"))?;
                let (value, ecert) = attribute_value(&name, &v)?;
                Ok(Attribute::new(name, value, ecert))
            })
            .collect();
    }
    if value.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "attributes must be a dict or a list of (name, value[, ecert]) tuples, not a str",
        ));
    }
    value
        .try_iter()?
        .map(|item| {
            let item = item?;
            if let Ok((name, value, ecert)) = item.extract::<(String, String, bool)>() {
                return Ok(Attribute::new(name, value, ecert));
            }
            let (name, value) = item.extract::<(String, String)>().map_err(|_| {
                PyTypeError::new_err(
                    "attributes must be a dict or a list of (name, value[, ecert]) tuples",
                )
            })?;
            Ok(Attribute::new(name, value, false))
        })
        .collect()
}

/// The changes of a registration or identity modification.
struct IdentityFields<'py> {
    secret: Option<String>,
    identity_type: Option<String>,
    affiliation: Option<String>,
    max_enrollments: Option<i32>,
    attributes: Option<&'py Bound<'py, PyAny>>,
    ca_name: Option<String>,
}

impl IdentityFields<'_> {
    /// The sdk-core request for `id` (empty for a modification).
    fn request(self, id: String) -> PyResult<RegistrationRequest> {
        let mut req = RegistrationRequest::new(id);
        req.identity_type = self.identity_type;
        req.secret = self.secret;
        req.affiliation = self.affiliation;
        req.max_enrollments = self.max_enrollments;
        req.attributes = registered_attributes(self.attributes)?;
        req.ca_name = self.ca_name;
        Ok(req)
    }
}

/// Applies `connect_timeout=` / `request_timeout=` (sdk-core's default for the one not given).
fn with_timeouts(
    client: ca::CaClient,
    connect_timeout: Option<f64>,
    request_timeout: Option<f64>,
) -> PyResult<ca::CaClient> {
    let connect = opt_seconds(connect_timeout, "connect_timeout")?;
    let request = opt_seconds(request_timeout, "request_timeout")?;
    if connect.is_none() && request.is_none() {
        return Ok(client);
    }
    Ok(client.timeouts(
        connect.unwrap_or(ca::DEFAULT_CONNECT_TIMEOUT),
        request.unwrap_or(ca::DEFAULT_REQUEST_TIMEOUT),
    ))
}

/// A profile error at `key` of `file`.
/// The sdk-core client for CA `ca` of the profile at `path` (the client organization's first
/// CA when `None`), and the MSP ID of the organization that lists it.
fn profile_ca(path: &Path, ca: Option<String>) -> fabweave::Result<(ca::CaClient, Option<String>)> {
    let profile = Profile::load(path)?;
    let (entry, msp_id) = profile.ca_for(ca.as_deref())?;
    Ok((ca::CaClient::new(entry)?, msp_id.map(str::to_owned)))
}

// ---- The client ----------------------------------------------------------------------------

/// A client of one Fabric CA server: enroll, reenroll, register, revoke and manage identities.
///
/// `CaClient(url, tls_ca=..., ca_name=...)` addresses a CA by URL; `CaClient.from_profile(path)`
/// takes the CA of a connection profile. Calls made for an enrolled identity (`registrar`,
/// or the identity to reenroll) are authenticated by a token that identity signs.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct CaClient {
    inner: ca::CaClient,
    /// The MSP ID of the profile organization that lists the CA (`from_profile`), used by
    /// `Enrollment.identity()` when no MSP ID is given.
    msp_id: Option<String>,
    api: Api,
}
twin!(CaClient, AsyncCaClient, "CaClient");

impl CaClient {
    /// `CaClient(url, ...)` for `api`.
    #[allow(clippy::too_many_arguments)]
    fn from_url(
        py: Python<'_>,
        api: Api,
        url: &str,
        tls_ca: Option<&Bound<'_, PyAny>>,
        ca_name: Option<String>,
        server_name: Option<String>,
        client_cert: Option<&Bound<'_, PyAny>>,
        client_key: Option<&Bound<'_, PyAny>>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        msp_id: Option<String>,
    ) -> PyResult<CaClient> {
        let pems = tls_ca_pems(tls_ca)?;
        let mut inner =
            ca::CaClient::from_url(url, pems, ca_name).map_err(|e| error::to_py(py, e))?;
        if let Some(name) = server_name {
            inner = inner.server_name(name);
        }
        let client_cert = client_cert.filter(|v| !v.is_none());
        let client_key = client_key.filter(|v| !v.is_none());
        match (client_cert, client_key) {
            (Some(cert), Some(key)) => {
                let cert = pem_material(cert, "client_cert")?;
                let key = Zeroizing::new(pem_material(key, "client_key")?);
                inner = inner
                    .client_tls(&cert, &key)
                    .map_err(|e| error::to_py(py, e))?;
            }
            (None, None) => {}
            _ => {
                return Err(PyValueError::new_err(
                    "client_cert and client_key go together: give both or neither",
                ))
            }
        }
        let inner = with_timeouts(inner, connect_timeout, request_timeout)?;
        Ok(CaClient { inner, msp_id, api })
    }

    /// `CaClient.from_profile(...)` for `api`.
    fn profile(
        py: Python<'_>,
        api: Api,
        profile: PathBuf,
        ca: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        let (inner, msp_id) = profile_ca(&profile, ca).map_err(|e| error::to_py(py, e))?;
        let inner = with_timeouts(inner, connect_timeout, request_timeout)?;
        CaClient { inner, msp_id, api }.into_py_api(py)
    }
}

#[pymethods]
impl CaClient {
    /// A client for the CA at `url` (`https://host:port`; `http://` without TLS), trusting the
    /// TLS CA certificate(s) `tls_ca` (PEM text or bytes, a file path, or a list of these) and
    /// addressing CA `ca_name` of the server (its default CA when None). `server_name` is the
    /// name expected in the CA's TLS certificate when the URL's host is not it;
    /// `client_cert`/`client_key` (PEM or paths) are presented to a CA that asks for mutual
    /// TLS; the timeouts are in seconds (10 and 30 unless given). `msp_id` is the MSP ID
    /// `Enrollment.identity()` uses when it is given none.
    #[new]
    #[pyo3(signature = (url, *, tls_ca=None, ca_name=None, server_name=None, client_cert=None,
        client_key=None, connect_timeout=None, request_timeout=None, msp_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        url: &str,
        tls_ca: Option<&Bound<'_, PyAny>>,
        ca_name: Option<String>,
        server_name: Option<String>,
        client_cert: Option<&Bound<'_, PyAny>>,
        client_key: Option<&Bound<'_, PyAny>>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        msp_id: Option<String>,
    ) -> PyResult<Self> {
        CaClient::from_url(
            py,
            Api::Sync,
            url,
            tls_ca,
            ca_name,
            server_name,
            client_cert,
            client_key,
            connect_timeout,
            request_timeout,
            msp_id,
        )
    }

    /// The CA `ca` (a key of the profile's `certificateAuthorities`) of the connection profile
    /// at `profile`, or, when None, the first CA of the profile's client organization. Its URL,
    /// CA name, TLS CA certificates, TLS name override and client TLS pair come from the
    /// profile; `Enrollment.identity()` defaults to the MSP ID of the organization listing it.
    #[staticmethod]
    #[pyo3(signature = (profile, ca=None, *, connect_timeout=None, request_timeout=None))]
    fn from_profile(
        py: Python<'_>,
        profile: PathBuf,
        ca: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        CaClient::profile(py, Api::Sync, profile, ca, connect_timeout, request_timeout)
    }

    /// The URL as given.
    #[getter]
    fn url(&self) -> &str {
        self.inner.url()
    }

    /// The CA of the server this client addresses, or None for the server's default CA.
    #[getter]
    fn ca_name(&self) -> Option<&str> {
        self.inner.ca_name()
    }

    /// The MSP ID `Enrollment.identity()` uses when given none (from the profile, or
    /// `msp_id=`), or None.
    #[getter]
    fn msp_id(&self) -> Option<&str> {
        self.msp_id.as_deref()
    }

    /// The CA's name, certificate chain and version (no authentication). Returns `CaInfo`.
    fn info(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let ca = self.inner.clone();
        self.api
            .run(py, async move { ca.info().await.map(CaInfo::from) })
    }

    /// Enrolls `enrollment_id` with `secret`: a key pair is generated locally (`key_algorithm`
    /// `"p256"`, or `"sm2"` for a GM CA) and only a certificate request is sent. `attributes`
    /// asks for attributes in the certificate (a list of names, each required, or a dict of
    /// name to optional); `profile` is the CA's signing profile (`"tls"` for a TLS
    /// certificate), `hosts` the subject alternative names, `label` the CA-side key label,
    /// `ca_name` overrides the client's. Returns an `Enrollment`; a refusal raises `CaError`.
    #[pyo3(signature = (enrollment_id, secret, *, key_algorithm="p256", attributes=None,
        profile=None, hosts=None, label=None, ca_name=None))]
    #[allow(clippy::too_many_arguments)]
    fn enroll(
        &self,
        py: Python<'_>,
        enrollment_id: String,
        secret: String,
        key_algorithm: &str,
        attributes: Option<&Bound<'_, PyAny>>,
        profile: Option<String>,
        hosts: Option<Vec<String>>,
        label: Option<String>,
        ca_name: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let mut req = EnrollRequest::new(enrollment_id, secret);
        req.key_algorithm = self::key_algorithm(key_algorithm)?;
        req.attr_reqs = attribute_requests(attributes)?;
        req.profile = profile;
        req.hosts = hosts.unwrap_or_default();
        req.label = label;
        req.ca_name = ca_name;
        let ca = self.inner.clone();
        let msp_id = self.msp_id.clone();
        self.api.run(py, async move {
            let inner = ca.enroll(req).await?;
            Ok(Enrollment { inner, msp_id })
        })
    }

    /// A new certificate for `identity` (its certificate's common name is the enrollment ID),
    /// authenticated by `identity` itself: with a new key of the same kind unless `keep_key`.
    /// The other options are those of `enroll`. Returns an `Enrollment`; a revoked or expired
    /// identity raises `CaError` (code 20).
    #[pyo3(signature = (identity, *, keep_key=false, attributes=None, profile=None, hosts=None,
        label=None, ca_name=None))]
    #[allow(clippy::too_many_arguments)]
    fn reenroll(
        &self,
        py: Python<'_>,
        identity: PyRef<'_, Identity>,
        keep_key: bool,
        attributes: Option<&Bound<'_, PyAny>>,
        profile: Option<String>,
        hosts: Option<Vec<String>>,
        label: Option<String>,
        ca_name: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let mut req = ReenrollRequest::new().keep_key(keep_key);
        req.attr_reqs = attribute_requests(attributes)?;
        req.profile = profile;
        req.hosts = hosts.unwrap_or_default();
        req.label = label;
        req.ca_name = ca_name;
        let current = identity.inner.clone();
        let ca = self.inner.clone();
        let msp_id = self.msp_id.clone();
        self.api.run(py, async move {
            let inner = ca.reenroll(&current, req).await?;
            Ok(Enrollment { inner, msp_id })
        })
    }

    /// Registers identity `id` on behalf of `registrar`; returns its enrollment secret (`secret`
    /// when given, else one the CA generated). `type` is `client` unless given;
    /// `affiliation` defaults to the registrar's; `max_enrollments` -1 means no limit;
    /// `attributes` is a dict of name to value or `(value, ecert)` (ecert: put it in
    /// certificates by default), or a list of `(name, value[, ecert])` tuples.
    #[pyo3(signature = (registrar, id, *, secret=None, r#type=None, affiliation=None,
        max_enrollments=None, attributes=None, ca_name=None))]
    #[allow(clippy::too_many_arguments)]
    fn register(
        &self,
        py: Python<'_>,
        registrar: PyRef<'_, Identity>,
        id: String,
        secret: Option<String>,
        r#type: Option<String>,
        affiliation: Option<String>,
        max_enrollments: Option<i32>,
        attributes: Option<&Bound<'_, PyAny>>,
        ca_name: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let req = IdentityFields {
            secret,
            identity_type: r#type,
            affiliation,
            max_enrollments,
            attributes,
            ca_name,
        }
        .request(id)?;
        let registrar = registrar.inner.clone();
        let ca = self.inner.clone();
        self.api
            .run(py, async move { ca.register(&registrar, req).await })
    }

    /// Revokes, on behalf of `registrar`, identity `id` (all its certificates; it can no
    /// longer enroll) or one certificate by `serial` and `aki` (hex). `reason` is one of the
    /// CA's names (`keycompromise`, `superseded`, ...); `gencrl` asks for a CRL. Returns a
    /// `Revocation`.
    #[pyo3(signature = (registrar, id=None, *, serial=None, aki=None, reason=None,
        gencrl=false, ca_name=None))]
    #[allow(clippy::too_many_arguments)]
    fn revoke(
        &self,
        py: Python<'_>,
        registrar: PyRef<'_, Identity>,
        id: Option<String>,
        serial: Option<String>,
        aki: Option<String>,
        reason: Option<String>,
        gencrl: bool,
        ca_name: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        if id.is_none() && (serial.is_none() || aki.is_none()) {
            return Err(PyValueError::new_err(
                "revoke needs an identity id, or a certificate's serial and aki",
            ));
        }
        let mut req = RevocationRequest::default().gencrl(gencrl);
        req.id = id;
        req.serial = serial;
        req.aki = aki;
        req.reason = reason;
        req.ca_name = ca_name;
        let registrar = registrar.inner.clone();
        let ca = self.inner.clone();
        self.api.run(py, async move {
            ca.revoke(&registrar, req).await.map(Revocation::from)
        })
    }

    /// The identities `registrar` may see: a list of `IdentityInfo`.
    fn identities(&self, py: Python<'_>, registrar: PyRef<'_, Identity>) -> PyResult<Py<PyAny>> {
        let registrar = registrar.inner.clone();
        let ca = self.inner.clone();
        self.api.run(py, async move {
            let all = ca.identities(&registrar).await?;
            Ok(all.into_iter().map(IdentityInfo::from).collect::<Vec<_>>())
        })
    }

    /// Identity `id`, as `registrar` sees it: an `IdentityInfo` (unknown: `CaError`, code 63).
    fn identity(
        &self,
        py: Python<'_>,
        registrar: PyRef<'_, Identity>,
        id: String,
    ) -> PyResult<Py<PyAny>> {
        let registrar = registrar.inner.clone();
        let ca = self.inner.clone();
        self.api.run(py, async move {
            ca.identity(&registrar, &id).await.map(IdentityInfo::from)
        })
    }

    /// Changes identity `id`: the options given (as for `register`) replace the identity's;
    /// those left None are kept. Returns the `IdentityInfo` as changed.
    #[pyo3(signature = (registrar, id, *, secret=None, r#type=None, affiliation=None,
        max_enrollments=None, attributes=None, ca_name=None))]
    #[allow(clippy::too_many_arguments)]
    fn modify_identity(
        &self,
        py: Python<'_>,
        registrar: PyRef<'_, Identity>,
        id: String,
        secret: Option<String>,
        r#type: Option<String>,
        affiliation: Option<String>,
        max_enrollments: Option<i32>,
        attributes: Option<&Bound<'_, PyAny>>,
        ca_name: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        let req = IdentityFields {
            secret,
            identity_type: r#type,
            affiliation,
            max_enrollments,
            attributes,
            ca_name,
        }
        .request(String::new())?;
        let registrar = registrar.inner.clone();
        let ca = self.inner.clone();
        self.api.run(py, async move {
            ca.modify_identity(&registrar, &id, req)
                .await
                .map(IdentityInfo::from)
        })
    }

    /// Removes identity `id` (the CA must allow it: `cfg.identities.allowremove`); `force`
    /// also removes the registrar's own identity. Returns the `IdentityInfo` removed.
    #[pyo3(signature = (registrar, id, *, force=false))]
    fn remove_identity(
        &self,
        py: Python<'_>,
        registrar: PyRef<'_, Identity>,
        id: String,
        force: bool,
    ) -> PyResult<Py<PyAny>> {
        let registrar = registrar.inner.clone();
        let ca = self.inner.clone();
        self.api.run(py, async move {
            ca.remove_identity(&registrar, &id, force)
                .await
                .map(IdentityInfo::from)
        })
    }

    /// The affiliation tree `registrar` may see, as the CA returns it: a dict with `name`,
    /// `affiliations` (the children, alike), `identities` and `caname`.
    fn affiliations(&self, py: Python<'_>, registrar: PyRef<'_, Identity>) -> PyResult<Py<PyAny>> {
        let registrar = registrar.inner.clone();
        let ca = self.inner.clone();
        self.api.run(py, async move {
            ca.affiliations(&registrar)
                .await
                .map(|tree| JsonText(tree.to_string()))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<{}.CaClient {} ca_name={:?}>",
            self.api.module(),
            self.inner.url(),
            self.inner.ca_name().unwrap_or("")
        )
    }
}

#[pymethods]
impl AsyncCaClient {
    /// As `fabweave.CaClient(...)`; the calls are coroutines.
    #[new]
    #[pyo3(signature = (url, *, tls_ca=None, ca_name=None, server_name=None, client_cert=None,
        client_key=None, connect_timeout=None, request_timeout=None, msp_id=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        url: &str,
        tls_ca: Option<&Bound<'_, PyAny>>,
        ca_name: Option<String>,
        server_name: Option<String>,
        client_cert: Option<&Bound<'_, PyAny>>,
        client_key: Option<&Bound<'_, PyAny>>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
        msp_id: Option<String>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let base = CaClient::from_url(
            py,
            Api::Async,
            url,
            tls_ca,
            ca_name,
            server_name,
            client_cert,
            client_key,
            connect_timeout,
            request_timeout,
            msp_id,
        )?;
        Ok(PyClassInitializer::from(base).add_subclass(AsyncCaClient))
    }

    /// As `fabweave.CaClient.from_profile(...)`; the calls are coroutines.
    #[staticmethod]
    #[pyo3(signature = (profile, ca=None, *, connect_timeout=None, request_timeout=None))]
    fn from_profile(
        py: Python<'_>,
        profile: PathBuf,
        ca: Option<String>,
        connect_timeout: Option<f64>,
        request_timeout: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        CaClient::profile(
            py,
            Api::Async,
            profile,
            ca,
            connect_timeout,
            request_timeout,
        )
    }
}

// ---- Results -------------------------------------------------------------------------------

/// A JSON document (as text) that becomes Python dicts and lists.
struct JsonText(String);

impl ToPy for JsonText {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(py
            .import("json")?
            .call_method1("loads", (self.0,))?
            .unbind())
    }
}

/// What a CA says about itself (`CaClient.info()`, `Enrollment.ca_info`).
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct CaInfo {
    inner: CoreCaInfo,
}

impl From<CoreCaInfo> for CaInfo {
    fn from(inner: CoreCaInfo) -> Self {
        CaInfo { inner }
    }
}

#[pymethods]
impl CaInfo {
    /// The CA's name.
    #[getter]
    fn ca_name(&self) -> &str {
        &self.inner.ca_name
    }

    /// The CA's certificate chain, PEM: the signing CA first, up to the root.
    #[getter]
    fn ca_chain_pem(&self) -> String {
        self.inner.ca_chain_pem()
    }

    /// The server's version, e.g. `1.5.15` (empty when the server does not say).
    #[getter]
    fn version(&self) -> &str {
        &self.inner.version
    }

    /// The Idemix issuer public key as sent (empty without Idemix).
    #[getter]
    fn issuer_public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.issuer_public_key)
    }

    /// The Idemix revocation public key as sent (empty without Idemix).
    #[getter]
    fn issuer_revocation_public_key<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.issuer_revocation_public_key)
    }

    fn __repr__(&self) -> String {
        format!(
            "CaInfo(ca_name={:?}, version={:?})",
            self.inner.ca_name, self.inner.version
        )
    }
}

/// An issued certificate with its private key (the result of `enroll` and `reenroll`). The
/// key stays in Rust: `identity()` makes an `Identity` that signs with it; `private_key_pem()`
/// hands it out only when asked, to store it. `repr()` never shows it.
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct Enrollment {
    inner: CoreEnrollment,
    msp_id: Option<String>,
}

#[pymethods]
impl Enrollment {
    /// The certificate, PEM, as the CA issued it.
    #[getter]
    fn certificate_pem(&self) -> &str {
        self.inner.certificate_pem()
    }

    /// The CA's certificate chain, PEM (signing CA first): an MSP's `cacerts`.
    #[getter]
    fn ca_chain_pem(&self) -> &str {
        self.inner.ca_chain_pem()
    }

    /// What the CA said about itself in the answer.
    #[getter]
    fn ca_info(&self) -> CaInfo {
        CaInfo::from(self.inner.ca_info().clone())
    }

    /// The certificate's subject common name (the enrollment ID).
    #[getter]
    fn common_name(&self) -> Option<String> {
        self.inner
            .certificate()
            .ok()
            .and_then(|c| c.subject_common_name().map(str::to_owned))
    }

    /// An `Identity` of MSP `msp_id` from the certificate and key, for `connect(identity=...)`
    /// and as a registrar. Without `msp_id`, the MSP ID of the `CaClient` (from its profile or
    /// `msp_id=`).
    #[pyo3(signature = (msp_id=None))]
    fn identity(&self, py: Python<'_>, msp_id: Option<String>) -> PyResult<Identity> {
        let Some(msp_id) = msp_id.or_else(|| self.msp_id.clone()) else {
            return Err(PyValueError::new_err(
                "identity() needs an msp_id: the CaClient knows none (give msp_id=, or make \
                 the client with CaClient.from_profile)",
            ));
        };
        let key = self
            .inner
            .private_key_pem()
            .map(|k| zeroize::Zeroizing::new(k.to_owned()));
        let inner = self
            .inner
            .clone()
            .into_identity(&msp_id)
            .map_err(|e| error::to_py(py, e))?;
        // A new key's PEM lets the identity go into a wallet; a kept key is not known here.
        let storable = match &key {
            Some(k) => Storable::from_pem(&inner, k.as_bytes(), false),
            None => Storable::Not(
                "this reenrollment kept the existing key, which the enrollment does not carry;                  store the identity the key was loaded with",
            ),
        };
        Ok(Identity { inner, storable })
    }

    /// The private key, unencrypted PKCS#8 PEM, to store it (e.g. in an MSP `keystore/`); None
    /// when a reenrollment kept the existing key. Keep it secret.
    fn private_key_pem(&self) -> Option<&str> {
        self.inner.private_key_pem()
    }

    fn __repr__(&self) -> String {
        let subject = self
            .inner
            .certificate()
            .map(|c| c.subject().to_owned())
            .unwrap_or_default();
        let key = if self.inner.private_key_pem().is_some() {
            "new, hidden"
        } else {
            "kept"
        };
        format!(
            "<fabweave.Enrollment {subject} ca={} key={key}>",
            self.inner.ca_info().ca_name
        )
    }
}

/// An identity registered with the CA (`identities`, `identity`, `modify_identity`,
/// `remove_identity`).
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct IdentityInfo {
    inner: CoreIdentityInfo,
}

impl From<CoreIdentityInfo> for IdentityInfo {
    fn from(inner: CoreIdentityInfo) -> Self {
        IdentityInfo { inner }
    }
}

#[pymethods]
impl IdentityInfo {
    /// The enrollment ID.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The type: `client`, `peer`, `orderer`, `admin`, `user`.
    #[getter]
    fn r#type(&self) -> &str {
        &self.inner.identity_type
    }

    /// The affiliation (empty for the root).
    #[getter]
    fn affiliation(&self) -> &str {
        &self.inner.affiliation
    }

    /// The attributes, the CA's `hf.*` ones included: a list of dicts with `name`, `value`
    /// and `ecert`.
    #[getter]
    fn attributes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for a in &self.inner.attributes {
            let d = PyDict::new(py);
            d.set_item("name", &a.name)?;
            d.set_item("value", &a.value)?;
            d.set_item("ecert", a.ecert)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The value of attribute `name`, or None.
    fn attribute(&self, name: &str) -> Option<&str> {
        self.inner.attribute(name)
    }

    /// How many enrollments are allowed (-1: no limit).
    #[getter]
    fn max_enrollments(&self) -> i64 {
        self.inner.max_enrollments
    }

    /// The CA that answered.
    #[getter]
    fn ca_name(&self) -> &str {
        &self.inner.ca_name
    }

    /// The secret a modification set or generated, else None (never in `repr()`).
    #[getter]
    fn secret(&self) -> Option<&str> {
        self.inner.secret.as_deref()
    }

    fn __repr__(&self) -> String {
        format!(
            "IdentityInfo(id={:?}, type={:?}, affiliation={:?}, max_enrollments={})",
            self.inner.id,
            self.inner.identity_type,
            self.inner.affiliation,
            self.inner.max_enrollments
        )
    }
}

/// What a revocation did.
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct Revocation {
    inner: CoreRevocation,
}

impl From<CoreRevocation> for Revocation {
    fn from(inner: CoreRevocation) -> Self {
        Revocation { inner }
    }
}

#[pymethods]
impl Revocation {
    /// The certificates revoked: a list of dicts with `serial` and `aki` (hex).
    #[getter]
    fn revoked<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for c in &self.inner.revoked {
            let d = PyDict::new(py);
            d.set_item("serial", &c.serial)?;
            d.set_item("aki", &c.aki)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The CRL, PEM, when `gencrl=True` asked for one.
    #[getter]
    fn crl_pem(&self) -> Option<&str> {
        self.inner.crl_pem.as_deref()
    }

    fn __repr__(&self) -> String {
        format!(
            "Revocation(revoked={} certificate(s), crl={})",
            self.inner.revoked.len(),
            self.inner.crl_pem.is_some()
        )
    }
}

pyclass_to_py!(CaInfo, Enrollment, IdentityInfo, Revocation);

/// Adds `CaClient`, its asyncio twin and the result classes to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CaClient>()?;
    m.add("AsyncCaClient", m.py().get_type::<AsyncCaClient>())?;
    m.add_class::<CaInfo>()?;
    m.add_class::<Enrollment>()?;
    m.add_class::<IdentityInfo>()?;
    m.add_class::<Revocation>()?;
    Ok(())
}
