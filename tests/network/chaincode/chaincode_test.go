package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/queryresult"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// fakeStub is an in-memory stand-in for the peer. It embeds the interface so
// that any method the chaincode is not expected to call panics.
type fakeStub struct {
	shim.ChaincodeStubInterface

	args      []string
	state     map[string][]byte
	private   map[string]map[string][]byte
	transient map[string][]byte
	creator   []byte
	events    map[string][]byte
}

func newFakeStub() *fakeStub {
	return &fakeStub{
		state:   map[string][]byte{},
		private: map[string]map[string][]byte{},
		events:  map[string][]byte{},
	}
}

// call runs Invoke with the given function and arguments.
func (s *fakeStub) call(args ...string) *peer.Response {
	s.args = args
	return KVChaincode{}.Invoke(s)
}

func (s *fakeStub) GetFunctionAndParameters() (string, []string) {
	if len(s.args) == 0 {
		return "", nil
	}
	return s.args[0], s.args[1:]
}

func (s *fakeStub) GetState(key string) ([]byte, error) { return s.state[key], nil }

func (s *fakeStub) PutState(key string, value []byte) error {
	s.state[key] = value
	return nil
}

func (s *fakeStub) DelState(key string) error {
	delete(s.state, key)
	return nil
}

func (s *fakeStub) GetStateByRange(start, end string) (shim.StateQueryIteratorInterface, error) {
	var keys []string
	for k := range s.state {
		if k >= start && (end == "" || k < end) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	it := &fakeIterator{}
	for _, k := range keys {
		it.kvs = append(it.kvs, &queryresult.KV{Key: k, Value: s.state[k]})
	}
	return it, nil
}

func (s *fakeStub) SetEvent(name string, payload []byte) error {
	s.events[name] = payload
	return nil
}

func (s *fakeStub) GetTransient() (map[string][]byte, error) { return s.transient, nil }

func (s *fakeStub) GetPrivateData(collection, key string) ([]byte, error) {
	return s.private[collection][key], nil
}

func (s *fakeStub) PutPrivateData(collection, key string, value []byte) error {
	if s.private[collection] == nil {
		s.private[collection] = map[string][]byte{}
	}
	s.private[collection][key] = value
	return nil
}

func (s *fakeStub) GetCreator() ([]byte, error) { return s.creator, nil }

type fakeIterator struct{ kvs []*queryresult.KV }

func (it *fakeIterator) HasNext() bool { return len(it.kvs) > 0 }
func (it *fakeIterator) Close() error  { return nil }
func (it *fakeIterator) Next() (*queryresult.KV, error) {
	kv := it.kvs[0]
	it.kvs = it.kvs[1:]
	return kv, nil
}

func expectOK(t *testing.T, r *peer.Response, payload string) {
	t.Helper()
	if r.Status != shim.OK {
		t.Fatalf("status %d (%s), want OK", r.Status, r.Message)
	}
	if string(r.Payload) != payload {
		t.Fatalf("payload %q, want %q", r.Payload, payload)
	}
}

func expectError(t *testing.T, r *peer.Response, contains string) {
	t.Helper()
	if r.Status != shim.ERROR {
		t.Fatalf("status %d, want %d", r.Status, shim.ERROR)
	}
	if !strings.Contains(r.Message, contains) {
		t.Fatalf("message %q does not contain %q", r.Message, contains)
	}
}

func TestInit(t *testing.T) {
	if r := (KVChaincode{}).Init(newFakeStub()); r.Status != shim.OK {
		t.Fatalf("Init status %d", r.Status)
	}
}

func TestPutGetDel(t *testing.T) {
	s := newFakeStub()
	expectError(t, s.call("get", "k"), "key k not found")
	expectOK(t, s.call("put", "k", "v1"), "v1")
	expectOK(t, s.call("get", "k"), "v1")
	expectOK(t, s.call("del", "k"), "")
	expectError(t, s.call("get", "k"), "key k not found")
}

func TestIncrement(t *testing.T) {
	s := newFakeStub()
	expectOK(t, s.call("increment", "n"), "1")
	expectOK(t, s.call("increment", "n"), "2")
	expectOK(t, s.call("get", "n"), "2")
	s.call("put", "n", "abc")
	expectError(t, s.call("increment", "n"), "not an integer")
}

func TestRange(t *testing.T) {
	s := newFakeStub()
	expectOK(t, s.call("range", "a", "z"), "[]")
	for _, k := range []string{"a1", "a2", "b1"} {
		s.call("put", k, "v"+k)
	}
	r := s.call("range", "a", "b")
	expectOK(t, r, string(r.Payload))
	var got []entry
	if err := json.Unmarshal(r.Payload, &got); err != nil {
		t.Fatal(err)
	}
	want := []entry{{"a1", "va1"}, {"a2", "va2"}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("range = %+v, want %+v", got, want)
	}
}

func TestEvent(t *testing.T) {
	s := newFakeStub()
	expectOK(t, s.call("event", "created", "hello"), "hello")
	if string(s.events["created"]) != "hello" {
		t.Fatalf("event payload %q", s.events["created"])
	}
	if string(s.state["event:created"]) != "hello" {
		t.Fatalf("event key not written")
	}
}

func TestPrivate(t *testing.T) {
	s := newFakeStub()
	expectError(t, s.call("putPrivate", "shared", "p"), `transient field "value" is missing`)
	expectError(t, s.call("getPrivate", "shared", "p"), "not found")
	s.transient = map[string][]byte{"value": []byte("secret")}
	expectOK(t, s.call("putPrivate", "shared", "p"), "p")
	expectOK(t, s.call("getPrivate", "shared", "p"), "secret")
}

func TestFail(t *testing.T) {
	r := newFakeStub().call("fail", "boom")
	expectError(t, r, "boom")
	if r.Message != "boom" || r.Status != 500 {
		t.Fatalf("got status %d message %q, want 500 %q", r.Status, r.Message, "boom")
	}
}

func TestSleep(t *testing.T) {
	s := newFakeStub()
	expectOK(t, s.call("sleep", "1"), "slept 1")
	expectError(t, s.call("sleep", "-5"), "non-negative")
}

func TestWhoami(t *testing.T) {
	s := newFakeStub()
	var err error
	s.creator, err = proto.Marshal(&msp.SerializedIdentity{Mspid: "Org1MSP", IdBytes: []byte("cert")})
	if err != nil {
		t.Fatal(err)
	}
	expectOK(t, s.call("whoami"), "Org1MSP")
}

func TestUnknownFunction(t *testing.T) {
	r := newFakeStub().call("nope")
	expectError(t, r, `unknown function "nope"`)
	for _, name := range knownFunctions() {
		if !strings.Contains(r.Message, name) {
			t.Errorf("message %q does not list %s", r.Message, name)
		}
	}
}

func TestWrongArgCount(t *testing.T) {
	s := newFakeStub()
	expectError(t, s.call("put", "k"), "put expects 2 argument(s) (key value), got 1")
	expectError(t, s.call("get"), "get expects 1 argument(s)")
	expectError(t, s.call("whoami", "x"), "whoami expects 0 argument(s)")
}

func TestAttrWithoutCertificate(t *testing.T) {
	s := newFakeStub()
	var err error
	s.creator, err = proto.Marshal(&msp.SerializedIdentity{Mspid: "Org1MSP", IdBytes: []byte("not a certificate")})
	if err != nil {
		t.Fatal(err)
	}
	r := s.call("attr", "role")
	if r.Status != 500 || !strings.Contains(r.Message, "attr role") {
		t.Fatalf("got status %d message %q", r.Status, r.Message)
	}
}
