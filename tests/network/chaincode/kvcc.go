// Package main is kvcc, the key/value chaincode the fabweave integration tests
// deploy as a chaincode-as-a-service. Each function is deliberately small and
// exercises one SDK-visible behaviour: plain writes and reads, MVCC conflicts,
// range reads, chaincode events, private data, endorsement errors, slow
// endorsements and the caller's identity.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/pkg/cid"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// KVChaincode implements shim.Chaincode. It holds no state of its own.
type KVChaincode struct{}

// handler is one chaincode function. params are the string arguments after the
// function name; the result is the response payload.
type handler func(stub shim.ChaincodeStubInterface, params []string) ([]byte, error)

type function struct {
	usage string // argument names, shown in arity errors
	nargs int    // exact number of arguments
	fn    handler
}

// functions is the dispatch table for Invoke. Filled in init to avoid an
// initialisation cycle through knownFunctions.
var functions map[string]function

func init() {
	functions = map[string]function{
		"put":        {"key value", 2, put},
		"get":        {"key", 1, get},
		"del":        {"key", 1, del},
		"increment":  {"key", 1, increment},
		"range":      {"startKey endKey", 2, rangeQuery},
		"event":      {"name payload", 2, event},
		"putPrivate": {"collection key (value in transient field \"value\")", 2, putPrivate},
		"getPrivate": {"collection key", 2, getPrivate},
		"fail":       {"message", 1, fail},
		"sleep":      {"milliseconds", 1, sleep},
		"whoami":     {"", 0, whoami},
		"attr":       {"name", 1, attr},
	}
}

// knownFunctions lists the function names in sorted order.
func knownFunctions() []string {
	names := make([]string, 0, len(functions))
	for name := range functions {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Init needs no arguments and writes nothing; the chaincode is committed
// without --init-required.
func (KVChaincode) Init(shim.ChaincodeStubInterface) *peer.Response {
	return shim.Success(nil)
}

// Invoke dispatches on the first argument.
func (KVChaincode) Invoke(stub shim.ChaincodeStubInterface) *peer.Response {
	name, params := stub.GetFunctionAndParameters()
	f, ok := functions[name]
	if !ok {
		return shim.Error(fmt.Sprintf("unknown function %q; known functions: %s",
			name, strings.Join(knownFunctions(), ", ")))
	}
	if len(params) != f.nargs {
		return shim.Error(fmt.Sprintf("%s expects %d argument(s) (%s), got %d",
			name, f.nargs, f.usage, len(params)))
	}
	payload, err := f.fn(stub, params)
	if err != nil {
		return shim.Error(err.Error())
	}
	return shim.Success(payload)
}

// put key value: writes value under key and echoes it back.
func put(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	value := []byte(p[1])
	if err := stub.PutState(p[0], value); err != nil {
		return nil, fmt.Errorf("put %s: %w", p[0], err)
	}
	return value, nil
}

// get key: the stored value, or an error when the key is absent.
func get(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	value, err := stub.GetState(p[0])
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", p[0], err)
	}
	if value == nil {
		return nil, fmt.Errorf("key %s not found", p[0])
	}
	return value, nil
}

// del key: deletes key (deleting an absent key is not an error).
func del(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	if err := stub.DelState(p[0]); err != nil {
		return nil, fmt.Errorf("del %s: %w", p[0], err)
	}
	return nil, nil
}

// increment key: read-modify-write of a decimal counter (absent counts as 0).
// Concurrent increments of one key endorse against the same version, so all
// but one fail validation with MVCC_READ_CONFLICT.
func increment(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	current, err := stub.GetState(p[0])
	if err != nil {
		return nil, fmt.Errorf("increment %s: %w", p[0], err)
	}
	var n int64
	if current != nil {
		n, err = strconv.ParseInt(string(current), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("increment %s: value %q is not an integer", p[0], current)
		}
	}
	next := []byte(strconv.FormatInt(n+1, 10))
	if err := stub.PutState(p[0], next); err != nil {
		return nil, fmt.Errorf("increment %s: %w", p[0], err)
	}
	return next, nil
}

// entry is one element of the range result.
type entry struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// range startKey endKey: JSON array of {"key","value"} for keys in
// [startKey, endKey). Empty strings mean unbounded.
func rangeQuery(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	iter, err := stub.GetStateByRange(p[0], p[1])
	if err != nil {
		return nil, fmt.Errorf("range %q..%q: %w", p[0], p[1], err)
	}
	defer iter.Close()

	entries := []entry{} // marshals as [] rather than null when empty
	for iter.HasNext() {
		kv, err := iter.Next()
		if err != nil {
			return nil, fmt.Errorf("range %q..%q: %w", p[0], p[1], err)
		}
		entries = append(entries, entry{Key: kv.Key, Value: string(kv.Value)})
	}
	return json.Marshal(entries)
}

// event name payload: emits a chaincode event and records it under
// "event:"+name, so the transaction carries a write and goes through ordering.
func event(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	name, payload := p[0], []byte(p[1])
	if err := stub.SetEvent(name, payload); err != nil {
		return nil, fmt.Errorf("event %s: %w", name, err)
	}
	if err := stub.PutState("event:"+name, payload); err != nil {
		return nil, fmt.Errorf("event %s: %w", name, err)
	}
	return payload, nil
}

// putPrivate collection key: stores the transient field "value" in the
// collection. The value never appears in the proposal args or the payload;
// the key is returned.
func putPrivate(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	collection, key := p[0], p[1]
	transient, err := stub.GetTransient()
	if err != nil {
		return nil, fmt.Errorf("putPrivate: reading transient data: %w", err)
	}
	value, ok := transient["value"]
	if !ok {
		return nil, fmt.Errorf("putPrivate: transient field \"value\" is missing")
	}
	if err := stub.PutPrivateData(collection, key, value); err != nil {
		return nil, fmt.Errorf("putPrivate %s/%s: %w", collection, key, err)
	}
	return []byte(key), nil
}

// getPrivate collection key: the private value, or an error when absent.
func getPrivate(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	collection, key := p[0], p[1]
	value, err := stub.GetPrivateData(collection, key)
	if err != nil {
		return nil, fmt.Errorf("getPrivate %s/%s: %w", collection, key, err)
	}
	if value == nil {
		return nil, fmt.Errorf("private key %s not found in collection %s", key, collection)
	}
	return value, nil
}

// fail message: always fails; the peer reports status 500 with message.
func fail(_ shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	return nil, errors.New(p[0])
}

// sleep ms: delays the endorsement, for timeout and cancellation tests.
func sleep(_ shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	ms, err := strconv.ParseInt(p[0], 10, 64)
	if err != nil || ms < 0 {
		return nil, fmt.Errorf("sleep: %q is not a non-negative number of milliseconds", p[0])
	}
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return []byte("slept " + p[0]), nil
}

// attr name: the value of the creator's certificate attribute (set by Fabric CA when the
// identity was registered with it and enrolled asking for it); an error when it has none.
func attr(stub shim.ChaincodeStubInterface, p []string) ([]byte, error) {
	value, found, err := cid.GetAttributeValue(stub, p[0])
	if err != nil {
		return nil, fmt.Errorf("attr %s: %w", p[0], err)
	}
	if !found {
		return nil, fmt.Errorf("attr %s: the creator's certificate has no such attribute", p[0])
	}
	return []byte(value), nil
}

// whoami: the MSP ID of the proposal's creator.
func whoami(stub shim.ChaincodeStubInterface, _ []string) ([]byte, error) {
	creator, err := stub.GetCreator()
	if err != nil {
		return nil, fmt.Errorf("whoami: %w", err)
	}
	var id msp.SerializedIdentity
	if err := proto.Unmarshal(creator, &id); err != nil {
		return nil, fmt.Errorf("whoami: decoding creator: %w", err)
	}
	return []byte(id.GetMspid()), nil
}
