#!/usr/bin/python3
"""Writes /api messages with Apache Thrift's own Python protocol classes
(python3-thrift), field by field as the Thrift specification lays them out,
so the scheduler's codec can be checked against the reference
implementation. Usage: thrift_reference.py DIR; writes DIR/NAME.json and
DIR/NAME.binary for each message."""
import sys

from thrift.protocol import TBinaryProtocol, TJSONProtocol
from thrift.Thrift import TMessageType, TType
from thrift.transport import TTransport

T = TType


def struct(*fields):
    """fields: (id, ttype, value); value of a STRUCT is a struct(...)."""
    return ('struct', fields)


def write_value(p, ttype, v):
    if ttype == T.STRUCT:
        p.writeStructBegin('s')
        for fid, ft, fv in v[1]:
            p.writeFieldBegin('f', ft, fid)
            write_value(p, ft, fv)
            p.writeFieldEnd()
        p.writeFieldStop()
        p.writeStructEnd()
    elif ttype in (T.LIST, T.SET):
        et, items = v
        (p.writeListBegin if ttype == T.LIST else p.writeSetBegin)(
            et, len(items))
        for item in items:
            write_value(p, et, item)
        (p.writeListEnd if ttype == T.LIST else p.writeSetEnd)()
    elif ttype == T.MAP:
        kt, vt, items = v
        p.writeMapBegin(kt, vt, len(items))
        for k, val in items:
            write_value(p, kt, k)
            write_value(p, vt, val)
        p.writeMapEnd()
    elif ttype == T.BOOL:
        p.writeBool(v)
    elif ttype == T.I32:
        p.writeI32(v)
    elif ttype == T.I64:
        p.writeI64(v)
    elif ttype == T.DOUBLE:
        p.writeDouble(v)
    elif ttype == T.STRING:
        p.writeString(v)
    else:
        raise ValueError(ttype)


def job_key(role, env, name):
    return struct((1, T.STRING, role), (2, T.STRING, env),
                  (3, T.STRING, name))


TASK = struct(
    (7, T.BOOL, True),
    (11, T.I32, 0),
    (13, T.I32, 1),
    (17, T.STRUCT, struct((2, T.STRING, 'www-data'))),
    (18, T.BOOL, False),
    (20, T.SET, (T.STRUCT, [
        struct((1, T.STRING, 'host'),
               (2, T.STRUCT, struct((2, T.STRUCT, struct((1, T.I32, 1)))))),
        struct((1, T.STRING, 'rack'),
               (2, T.STRUCT, struct((1, T.STRUCT, struct(
                   (1, T.BOOL, True),
                   (2, T.SET, (T.STRING, ['r1', 'r2'])))))))])),
    (22, T.MAP, (T.STRING, T.STRING, [('http', 'http://%host%:%port:http%')])),
    (25, T.STRUCT, struct((1, T.STRING, 'AuroraExecutor'),
                          (2, T.STRING, '{"name": "hello"}'))),
    (28, T.STRUCT, job_key('www-data', 'prod', 'hello')),
    (29, T.STRUCT, struct((1, T.STRUCT, struct()))),
    (30, T.STRING, 'preferred'),
    (32, T.SET, (T.STRUCT, [struct((1, T.DOUBLE, 0.5)),
                            struct((2, T.I64, 128)),
                            struct((3, T.I64, 256))])))

SCHEDULED_TASK = struct(
    (1, T.STRUCT, struct(
        (1, T.STRING, 'www-data-prod-hello-0-6a1c'),
        (2, T.STRING, 'agent-1'),
        (3, T.STRING, 'host-1'),
        (4, T.STRUCT, TASK),
        (5, T.MAP, (T.STRING, T.I32, [('http', 31000), ('admin', 31001)])),
        (6, T.I32, 0))),
    (2, T.I32, 2),
    (3, T.I32, 1),
    (4, T.LIST, (T.STRUCT, [
        struct((1, T.I64, 1700000000000), (2, T.I32, 0)),
        struct((1, T.I64, 1700000000123), (2, T.I32, 2),
               (3, T.STRING, 'started "now"\n'),
               (4, T.STRING, 'scheduler-1'))])),
    (5, T.STRING, 'www-data-prod-hello-0-1111'),
    (6, T.I32, 0))

RESPONSE_OK = struct(
    (1, T.I32, 1),
    (3, T.STRUCT, struct((3, T.STRUCT, struct(
        (1, T.LIST, (T.STRUCT, [SCHEDULED_TASK])))))),
    (5, T.STRUCT, struct((1, T.STRING, 'devcluster'))),
    (6, T.LIST, (T.STRUCT, [])))

MESSAGES = {
    'get_jobs': ('getJobs', TMessageType.CALL,
                 struct((1, T.STRING, 'www-data'))),
    'create_job': ('createJob', TMessageType.CALL, struct(
        (1, T.STRUCT, struct(
            (6, T.STRUCT, TASK),
            (7, T.STRUCT, struct((2, T.STRING, 'www-data'))),
            (8, T.I32, 3),
            (9, T.STRUCT, job_key('www-data', 'prod', 'hello')))))),
    'get_tasks_status': ('getTasksStatus', TMessageType.CALL, struct(
        (1, T.STRUCT, struct(
            (2, T.STRING, 'hello'),
            (4, T.SET, (T.STRING, ['a', 'b'])),
            (5, T.SET, (T.I32, [2, 0])),
            (7, T.SET, (T.I32, [0, 1, 2])),
            (9, T.STRING, 'prod'),
            (11, T.SET, (T.STRUCT, [job_key('r', 'e', 'n')])),
            (13, T.I32, 10),
            (14, T.STRING, 'www-data'))))),
    'set_quota': ('setQuota', TMessageType.CALL, struct(
        (1, T.STRING, 'www-data'),
        (2, T.STRUCT, struct((4, T.SET, (T.STRUCT, [
            struct((1, T.DOUBLE, 2.25)), struct((2, T.I64, 4096)),
            struct((3, T.I64, 8192))])))))),
    'kill_tasks': ('killTasks', TMessageType.CALL, struct(
        (4, T.STRUCT, job_key('www-data', 'prod', 'hello')),
        (5, T.SET, (T.I32, [0, 2])),
        (6, T.STRING, 'bye'))),
    'reply_tasks': ('getTasksWithoutConfigs', TMessageType.REPLY,
                    struct((0, T.STRUCT, RESPONSE_OK))),
}


def main():
    out = sys.argv[1]
    for name, (method, mtype, args) in MESSAGES.items():
        for suffix, factory in (
                ('json', TJSONProtocol.TJSONProtocolFactory()),
                ('binary', TBinaryProtocol.TBinaryProtocolFactory())):
            buf = TTransport.TMemoryBuffer()
            p = factory.getProtocol(buf)
            p.writeMessageBegin(method, mtype, 5)
            write_value(p, T.STRUCT, args)
            p.writeMessageEnd()
            with open('%s/%s.%s' % (out, name, suffix), 'wb') as f:
                f.write(buf.getvalue())


main()
