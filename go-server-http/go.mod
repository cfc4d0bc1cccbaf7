module go-server-http

go 1.16
