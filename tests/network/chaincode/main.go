package main

import (
	"fmt"
	"os"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// Environment read at start-up.
const (
	envCCID    = "CHAINCODE_ID"             // package ID the peer knows, "<label>:<sha256>"
	envAddress = "CHAINCODE_SERVER_ADDRESS" // listen address, e.g. 127.0.0.1:9999

	// Optional TLS: set both cert and key (PEM files) to serve TLS. The client
	// CA file additionally makes the server require a client certificate
	// signed by it (connection.json "client_auth_required").
	envTLSCert     = "CHAINCODE_TLS_CERT_FILE"
	envTLSKey      = "CHAINCODE_TLS_KEY_FILE"
	envTLSClientCA = "CHAINCODE_TLS_CLIENT_CA_FILE"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "kvcc:", err)
		os.Exit(1)
	}
}

func run() error {
	ccid := os.Getenv(envCCID)
	address := os.Getenv(envAddress)
	if ccid == "" || address == "" {
		return fmt.Errorf("%s and %s must both be set (got %s=%q, %s=%q)",
			envCCID, envAddress, envCCID, ccid, envAddress, address)
	}

	tlsProps, err := tlsProperties()
	if err != nil {
		return err
	}

	server := &shim.ChaincodeServer{
		CCID:     ccid,
		Address:  address,
		CC:       KVChaincode{},
		TLSProps: tlsProps,
	}
	mode := "plaintext"
	if !tlsProps.Disabled {
		mode = "TLS"
	}
	fmt.Fprintf(os.Stderr, "kvcc: serving %s on %s (%s)\n", ccid, address, mode)
	if err := server.Start(); err != nil {
		return fmt.Errorf("chaincode server: %w", err)
	}
	return nil
}

// tlsProperties returns TLS disabled unless the cert/key files are configured.
func tlsProperties() (shim.TLSProperties, error) {
	certFile, keyFile := os.Getenv(envTLSCert), os.Getenv(envTLSKey)
	if certFile == "" && keyFile == "" {
		return shim.TLSProperties{Disabled: true}, nil
	}
	if certFile == "" || keyFile == "" {
		return shim.TLSProperties{}, fmt.Errorf("%s and %s must be set together", envTLSCert, envTLSKey)
	}
	cert, err := os.ReadFile(certFile)
	if err != nil {
		return shim.TLSProperties{}, fmt.Errorf("reading %s: %w", envTLSCert, err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return shim.TLSProperties{}, fmt.Errorf("reading %s: %w", envTLSKey, err)
	}
	props := shim.TLSProperties{Cert: cert, Key: key}
	if caFile := os.Getenv(envTLSClientCA); caFile != "" {
		if props.ClientCACerts, err = os.ReadFile(caFile); err != nil {
			return shim.TLSProperties{}, fmt.Errorf("reading %s: %w", envTLSClientCA, err)
		}
	}
	return props, nil
}
