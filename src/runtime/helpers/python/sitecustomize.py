"""Makes the Cronium SDK the builtin `cronium` of every Python process of a run.

`site` imports this at startup (this directory is on PYTHONPATH), so it must never raise and
must cost next to nothing: it installs a small proxy, and the SDK (cronium.py, next to this
file) is loaded on the first use of `cronium.<anything>`, after which `builtins.cronium` is the
module itself. The sitecustomize this one shadows (a distribution's), if any, still runs.
"""


def _cronium_install():
    import builtins
    import sys

    here = __file__.rpartition("/")[0] or "."
    bootstrap = sys.modules["_frozen_importlib"]
    external = sys.modules["_frozen_importlib_external"]

    def run(name, path, register=False):
        # Loads a module from a file through the import system (so its cached bytecode is used).
        spec = external.spec_from_file_location(name, path)
        module = bootstrap.module_from_spec(spec)
        registered = register and sys.modules.setdefault(name, module) is module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            if registered:
                del sys.modules[name]
            raise
        return module

    if "cronium" not in builtins.__dict__:

        def load():
            module = sys.modules.get("cronium")
            if getattr(module, "__file__", None) != here + "/cronium.py":
                module = run("cronium", here + "/cronium.py", register=True)
            if builtins.__dict__.get("cronium") is proxy:
                builtins.cronium = module
            return module

        class _CroniumProxy:
            """Stands for the cronium module until its first use."""

            __slots__ = ()

            def __getattr__(self, name):
                return getattr(load(), name)

            def __dir__(self):
                return dir(load())

            def __repr__(self):
                return repr(load())

        proxy = _CroniumProxy()
        builtins.cronium = proxy

    from os.path import isfile
    for entry in sys.path:
        if entry and entry != here and isfile(entry + "/sitecustomize.py"):
            try:
                run("sitecustomize", entry + "/sitecustomize.py")
            except Exception:
                pass
            break


try:
    _cronium_install()
except Exception:
    pass
del _cronium_install
