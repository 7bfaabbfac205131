// Command gmsm is a test helper for fabweave's SM2 interop tests. It drives
// github.com/tjfoc/gmsm v1.4.1 (the library the GM forks of Hyperledger
// Fabric build on) so the Rust tests can check that keys, signatures, CSRs
// and certificates produced on either side are accepted by the other.
//
// Exit status: 0 success, 1 a signature (or CSR/certificate signature) does
// not verify, 2 any other failure (bad usage, unreadable or unparsable input).
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/tjfoc/gmsm/sm2"
	"github.com/tjfoc/gmsm/x509"
)

const usage = `usage: gmsm <command> args...

  sign KEY.pem MSG.bin SIG.der [PASSWORD]
      sign MSG.bin with the SM2 key in KEY.pem (PKCS#8 "PRIVATE KEY", or
      "ENCRYPTED PRIVATE KEY" when PASSWORD is given), default user id,
      and write the DER (r, s) signature to SIG.der
  verify PUB.pem MSG.bin SIG.der
      check SIG.der over MSG.bin with the default user id; prints ok or bad
  verify-id PUB.pem MSG.bin SIG.der ID
      like verify, with an explicit user id (the library substitutes the
      default id when ID is empty)
  digest PUB.pem MSG.bin
      print hex of e = SM3(Z_A || MSG) for the default user id
  keygen KEY.pem PUB.pem [PASSWORD]
      write a fresh key pair; the private key is encrypted when PASSWORD is given
  verify-csr CSR.pem
      check the signature of a PKCS#10 request; prints ok CN=... SANs=...
  verify-cert CERT.pem ISSUER.pem
      check that ISSUER.pem's key signed CERT.pem; prints ok

exit status: 0 ok, 1 signature does not verify, 2 other error
`

// errBad marks "the signature does not verify" as opposed to a usage or
// input error.
type errBad struct{ reason string }

func (e errBad) Error() string { return e.reason }

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	err := run(os.Args[1], os.Args[2:])
	if err == nil {
		return
	}
	var bad errBad
	if errors.As(err, &bad) {
		if bad.reason == "" {
			fmt.Println("bad")
		} else {
			fmt.Println("bad: " + bad.reason)
		}
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "gmsm: "+err.Error())
	os.Exit(2)
}

func run(cmd string, args []string) error {
	switch cmd {
	case "sign":
		if len(args) != 3 && len(args) != 4 {
			return usageErr(cmd)
		}
		var pwd []byte
		if len(args) == 4 {
			pwd = []byte(args[3])
		}
		return cmdSign(args[0], args[1], args[2], pwd)
	case "verify":
		if len(args) != 3 {
			return usageErr(cmd)
		}
		return cmdVerify(args[0], args[1], args[2], nil, false)
	case "verify-id":
		if len(args) != 4 {
			return usageErr(cmd)
		}
		return cmdVerify(args[0], args[1], args[2], []byte(args[3]), true)
	case "digest":
		if len(args) != 2 {
			return usageErr(cmd)
		}
		return cmdDigest(args[0], args[1])
	case "keygen":
		if len(args) != 2 && len(args) != 3 {
			return usageErr(cmd)
		}
		var pwd []byte
		if len(args) == 3 {
			pwd = []byte(args[2])
		}
		return cmdKeygen(args[0], args[1], pwd)
	case "verify-csr":
		if len(args) != 1 {
			return usageErr(cmd)
		}
		return cmdVerifyCSR(args[0])
	case "verify-cert":
		if len(args) != 2 {
			return usageErr(cmd)
		}
		return cmdVerifyCert(args[0], args[1])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func usageErr(cmd string) error {
	return fmt.Errorf("wrong number of arguments for %s\n%s", cmd, usage)
}

// loadPrivateKey reads a PKCS#8 SM2 private key. With pwd == nil the PEM
// block must be an unencrypted "PRIVATE KEY"; otherwise an
// "ENCRYPTED PRIVATE KEY" decrypted with pwd.
func loadPrivateKey(path string, pwd []byte) (*sm2.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block found", path)
	}
	want := "PRIVATE KEY"
	if pwd != nil {
		want = "ENCRYPTED PRIVATE KEY"
	}
	if block.Type != want {
		return nil, fmt.Errorf("%s: PEM block is %q, expected %q", path, block.Type, want)
	}
	key, err := x509.ReadPrivateKeyFromPem(data, pwd)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return key, nil
}

// loadPublicKey reads a PKIX "PUBLIC KEY" PEM holding an SM2 point.
func loadPublicKey(path string) (*sm2.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, err := x509.ReadPublicKeyFromPem(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	// The library hands back nil coordinates when the point does not decode
	// or is not on the curve.
	if pub.X == nil || pub.Y == nil {
		return nil, fmt.Errorf("%s: public key is not a valid SM2 point", path)
	}
	return pub, nil
}

func cmdSign(keyPath, msgPath, sigPath string, pwd []byte) error {
	key, err := loadPrivateKey(keyPath, pwd)
	if err != nil {
		return err
	}
	msg, err := os.ReadFile(msgPath)
	if err != nil {
		return err
	}
	// nil signer options: SM3(Z_A || msg) with the default user id.
	sig, err := key.Sign(rand.Reader, msg, nil)
	if err != nil {
		return fmt.Errorf("sign: %v", err)
	}
	return os.WriteFile(sigPath, sig, 0o644)
}

func cmdVerify(pubPath, msgPath, sigPath string, uid []byte, explicitID bool) error {
	pub, err := loadPublicKey(pubPath)
	if err != nil {
		return err
	}
	msg, err := os.ReadFile(msgPath)
	if err != nil {
		return err
	}
	sig, err := os.ReadFile(sigPath)
	if err != nil {
		return err
	}
	var ok bool
	if explicitID {
		r, s, err := sm2.SignDataToSignDigit(sig)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gmsm: signature is not DER (r, s): "+err.Error())
			return errBad{}
		}
		ok = sm2.Sm2Verify(pub, msg, uid, r, s)
	} else {
		ok = pub.Verify(msg, sig)
	}
	if !ok {
		return errBad{}
	}
	fmt.Println("ok")
	return nil
}

func cmdDigest(pubPath, msgPath string) error {
	pub, err := loadPublicKey(pubPath)
	if err != nil {
		return err
	}
	msg, err := os.ReadFile(msgPath)
	if err != nil {
		return err
	}
	e, err := pub.Sm3Digest(msg, nil)
	if err != nil {
		return fmt.Errorf("digest: %v", err)
	}
	// Sm3Digest goes through big.Int, so leading zero bytes are lost.
	if len(e) > 32 {
		return fmt.Errorf("digest: unexpected length %d", len(e))
	}
	padded := make([]byte, 32)
	copy(padded[32-len(e):], e)
	fmt.Println(hex.EncodeToString(padded))
	return nil
}

func cmdKeygen(keyPath, pubPath string, pwd []byte) error {
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("keygen: %v", err)
	}
	keyPEM, err := x509.WritePrivateKeyToPem(key, pwd)
	if err != nil {
		return fmt.Errorf("keygen: private key: %v", err)
	}
	pubPEM, err := x509.WritePublicKeyToPem(&key.PublicKey)
	if err != nil {
		return fmt.Errorf("keygen: public key: %v", err)
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(pubPath, pubPEM, 0o644)
}

func cmdVerifyCSR(csrPath string) error {
	data, err := os.ReadFile(csrPath)
	if err != nil {
		return err
	}
	csr, err := x509.ReadCertificateRequestFromPem(data)
	if err != nil {
		return fmt.Errorf("%s: %v", csrPath, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return errBad{err.Error()}
	}
	sans := make([]string, 0, len(csr.DNSNames)+len(csr.IPAddresses))
	sans = append(sans, csr.DNSNames...)
	for _, ip := range csr.IPAddresses {
		sans = append(sans, ip.String())
	}
	fmt.Printf("ok CN=%s SANs=%s\n", csr.Subject.CommonName, strings.Join(sans, ","))
	return nil
}

func cmdVerifyCert(certPath, issuerPath string) error {
	cert, err := readCert(certPath)
	if err != nil {
		return err
	}
	issuer, err := readCert(issuerPath)
	if err != nil {
		return err
	}
	if err := cert.CheckSignatureFrom(issuer); err != nil {
		return errBad{err.Error()}
	}
	fmt.Println("ok")
	return nil
}

func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ReadCertificateFromPem(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return cert, nil
}
