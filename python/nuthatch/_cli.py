"""The ``nuthatch`` command: runs the C++ command shipped inside the package."""
import os
import sys


def main():
    exe = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "nuthatch")
    if not os.access(exe, os.X_OK):
        sys.exit(f"nuthatch: the command is missing from the installed package ({exe})")
    os.execv(exe, [exe] + sys.argv[1:])


if __name__ == "__main__":
    main()
