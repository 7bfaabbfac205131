// Command gmsm132 is a test helper for fabweave's SM2 interop tests. It
// drives github.com/tjfoc/gmsm v1.3.2, an older release still found in GM
// Fabric forks. That release builds Z_A with the public key's X coordinate
// left-padded to 32 bytes but the Y coordinate NOT padded, so for keys whose
// Y < 2^248 its signatures and digests differ from GM/T 0003 (and from
// OpenSSL and gmsm v1.4.1). The Rust tests use this program to reproduce
// that behaviour.
//
// Exit status: 0 success, 1 a signature does not verify, 2 any other failure.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"github.com/tjfoc/gmsm/sm2"
	"github.com/tjfoc/gmsm/sm3"
)

// defaultUID is the GM/T 0009 default user id; the library's own copy is
// unexported.
var defaultUID = []byte("1234567812345678")

const usage = `usage: gmsm132 <command> args...

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
      print hex of e = SM3(Z_A || MSG) for the default user id, with Z_A as
      this library version computes it
  za PUB.pem
      print hex of Z_A for the default user id as this library version
      computes it (Y coordinate not left-padded)

exit status: 0 ok, 1 signature does not verify, 2 other error
`

// errBad marks "the signature does not verify" as opposed to a usage or
// input error.
var errBad = errors.New("bad")

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	err := run(os.Args[1], os.Args[2:])
	if err == nil {
		return
	}
	if errors.Is(err, errBad) {
		fmt.Println("bad")
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "gmsm132: "+err.Error())
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
	case "za":
		if len(args) != 1 {
			return usageErr(cmd)
		}
		return cmdZA(args[0])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func usageErr(cmd string) error {
	return fmt.Errorf("wrong number of arguments for %s\n%s", cmd, usage)
}

// loadPrivateKey reads a PKCS#8 SM2 private key with package sm2's own
// reader. With pwd == nil the PEM block must be an unencrypted
// "PRIVATE KEY"; otherwise an "ENCRYPTED PRIVATE KEY" decrypted with pwd.
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
	key, err := sm2.ReadPrivateKeyFromMem(data, pwd)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return key, nil
}

// loadPublicKey reads a PKIX "PUBLIC KEY" PEM with package sm2's own reader.
func loadPublicKey(path string) (*sm2.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, err := sm2.ReadPublicKeyFromMem(data, nil)
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
	// Default user id; the library draws its own randomness.
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
			fmt.Fprintln(os.Stderr, "gmsm132: signature is not DER (r, s): "+err.Error())
			return errBad
		}
		ok = sm2.Sm2Verify(pub, msg, uid, r, s)
	} else {
		ok = pub.Verify(msg, sig)
	}
	if !ok {
		return errBad
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
	// v1.3.2 has no Sm3Digest method; this is what its Sm2Sign/Sm2Verify
	// hash: SM3(ZA(pub, uid) || msg), always 32 bytes.
	za, err := sm2.ZA(pub, defaultUID)
	if err != nil {
		return fmt.Errorf("digest: %v", err)
	}
	h := sm3.New()
	h.Write(za)
	h.Write(msg)
	fmt.Println(hex.EncodeToString(h.Sum(nil)))
	return nil
}

func cmdZA(pubPath string) error {
	pub, err := loadPublicKey(pubPath)
	if err != nil {
		return err
	}
	za, err := sm2.ZA(pub, defaultUID)
	if err != nil {
		return fmt.Errorf("za: %v", err)
	}
	fmt.Println(hex.EncodeToString(za))
	return nil
}
