package npy

import "os"

func filepathRead(name string) ([]byte, error) { return os.ReadFile(name) }
