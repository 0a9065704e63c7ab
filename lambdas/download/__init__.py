"""The download stage: copy a remote (https://, sftp://) source's files into the raw bucket before Plan.

``listing`` lists the window's remote files and plans the copies, ``copy`` copies one file or one byte
range of it, ``finish`` completes the files copied in ranges; ``https`` and ``sftp`` are the two remote
adapters behind ``remote.Remote``, ``landing`` the S3 / local lake multipart writer, ``credentials``
reads the named secret (docs/sources.md, ADR 0012).
"""
