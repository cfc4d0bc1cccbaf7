// SPDX-License-Identifier: GPL-2.0
//
// go-server-http: the bundled Go HTTP server, the default target of the demo
// and of the tests. Every request gets the same body: "Hello,World!", or N
// bytes of random data when the first argument is N (as in the original
// bpftime example). It listens on 127.0.0.1:447 unless --addr or $ADDR says
// otherwise; with a port of 0 the kernel picks a free one, and the line
// "Listening on ADDR" tells which, so tests never race for a port.
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	addr := flag.String("addr", "", "listen address (default $ADDR, else 127.0.0.1:447)")
	flag.Parse()
	if *addr == "" {
		*addr = os.Getenv("ADDR")
	}
	if *addr == "" {
		*addr = "127.0.0.1:447"
	}

	body := []byte("Hello,World!")
	if flag.NArg() > 0 {
		n, err := strconv.ParseInt(flag.Arg(0), 10, 64)
		if err != nil || n < 0 {
			log.Fatalf("body size %q: not a non-negative integer", flag.Arg(0))
		}
		body = make([]byte, n)
		if _, err := rand.Read(body); err != nil {
			log.Fatalf("random body: %v", err)
		}
		fmt.Println("Body set to", n, "bytes of random stuff")
	}

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("Failed to start server: %v", err)
	}
	fmt.Println("Server started!")
	fmt.Println("Listening on", ln.Addr().String())
	log.Fatal(http.Serve(ln, nil))
}
