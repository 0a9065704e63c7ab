"""The shared core: what both engines and the control plane agree on.

The spec contract (``spec``), the run's data contracts (``contracts``), the error types (``errors``),
the row semantics both engines run (``semantics``), the storage port (``storage``), catalog column
types (``types``) and the one AWS client factory (``aws``). The engines (``lambdas``, ``glue_jobs``)
import the core; nothing in here imports the CLI, the local runtime, the compiler or an engine.
"""
