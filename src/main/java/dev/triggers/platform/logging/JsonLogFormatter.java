package dev.triggers.platform.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.triggers.platform.json.Json;

/**
 * One JSON object per log line. A record whose only parameter is a {@code Map} has its entries written as
 * fields (the access log); anything else gets its formatted message in {@code msg}.
 */
public final class JsonLogFormatter extends Formatter {
    @Override
    public String format(LogRecord record) {
        ObjectNode line = Json.object();
        line.put("ts", Instant.ofEpochMilli(record.getMillis()).toString());
        line.put("level", record.getLevel().getName());
        line.put("logger", record.getLoggerName());
        Object[] params = record.getParameters();
        if (params != null && params.length == 1 && params[0] instanceof Map<?, ?> fields) {
            line.put("msg", record.getMessage());
            fields.forEach((k, v) -> line.set(String.valueOf(k), Json.MAPPER.valueToTree(v)));
        } else {
            line.put("msg", formatMessage(record));
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.put("error", record.getThrown().toString());
            line.put("stack", trace.toString());
        }
        return Json.string(line) + System.lineSeparator();
    }
}
