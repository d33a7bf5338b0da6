"""moto's S3 server with atomic conditional writes, for the storage driver tests.

moto checks a conditional PUT's precondition (If-None-Match: *, If-Match) and stores the
object in two steps, and its threaded server runs requests side by side: two racing PUTs
with If-None-Match: * can both succeed, where S3 and MinIO let exactly one win. The
drivers' contention tests count winners, so this launcher runs moto's own WSGI
application with one request inside it at a time (connections stay concurrent and
keep-alive). Arguments: -H host, -p port, as moto_server's.
"""
import argparse
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def serialized(app):
    lock = threading.Lock()

    def call(environ, start_response):
        with lock:
            # The body is read whole inside the lock, so the request is handled there.
            return list(app(environ, start_response))

    return call


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    run_simple(args.host, args.port, serialized(DomainDispatcherApplication(create_backend_app)),
               threaded=True)


if __name__ == "__main__":
    main()
