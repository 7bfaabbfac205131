module fabweave.local/interop/gmsm132

go 1.20

require github.com/tjfoc/gmsm v1.3.2

require (
	golang.org/x/crypto v0.0.0-20191219195013-becbf705a915 // indirect
	golang.org/x/sys v0.0.0-20190412213103-97732733099d // indirect
)
