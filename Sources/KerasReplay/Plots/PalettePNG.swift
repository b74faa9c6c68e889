import Foundation
import ZIPFoundation

/// A minimal PNG encoder for heatmap cells: 8-bit palette images (colour type 3), deflated with
/// the zlib that ZIPFoundation already links — what `GateHeatmapFigure` embeds in its SVG instead
/// of one `<rect>` per cell (about 100 bytes each).
///
/// Layout, per the PNG specification: signature, IHDR (width, height, bit depth 8, colour type 3),
/// PLTE (the palette's RGB triples), IDAT (a zlib stream: header 0x78 0x9C, raw deflate, Adler-32),
/// IEND; each chunk is length, type, data, CRC-32 of type and data. Every scanline starts with
/// filter type 0 (none).
public enum PalettePNG {
    /// The PNG of `pixels` (row-major palette indices, `width × height`) with `palette` (≤ 256 colours).
    public static func encode(width: Int, height: Int, pixels: [UInt8], palette: [(red: UInt8, green: UInt8, blue: UInt8)]) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height && (1...256).contains(palette.count))
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 3, 0, 0, 0]  // bit depth, colour type (palette), compression, filter, interlace
        chunk("IHDR", header, into: &png)
        chunk("PLTE", palette.flatMap { [$0.red, $0.green, $0.blue] }, into: &png)
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity(height * (width + 1))
        for row in 0..<height {
            scanlines.append(0)  // filter: none
            scanlines += pixels[(row * width)..<((row + 1) * width)]
        }
        chunk("IDAT", zlib(scanlines), into: &png)
        chunk("IEND", [], into: &png)
        return png
    }

    /// A zlib stream of `data`: header, raw deflate (ZIPFoundation's, as in a zip), Adler-32. Falls
    /// back to stored blocks if deflate fails (it does not, on memory).
    static func zlib(_ data: [UInt8]) -> [UInt8] {
        let input = Data(data)
        var deflated = Data()
        do {
            _ = try Data.compress(size: Int64(input.count), bufferSize: 1 << 16, provider: { position, size in
                input.subdata(in: Int(position)..<min(Int(position) + size, input.count))
            }, consumer: { deflated.append($0) })
        } catch {
            return zlibStored(data)
        }
        return [0x78, 0x9C] + [UInt8](deflated) + bigEndian(adler32(data))
    }

    /// A zlib stream holding `data` in stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]  // deflate, 32 KiB window, no dictionary (0x7801 % 31 == 0)
        var start = 0
        repeat {
            let count = min(65_535, data.count - start)
            let final: UInt8 = start + count == data.count ? 1 : 0
            out.append(final)  // BFINAL, BTYPE 00 (stored), padded to the byte
            out += [UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            out += data[start..<(start + count)]
            start += count
        } while start < data.count
        return out + bigEndian(adler32(data))
    }

    static func chunk(_ type: String, _ data: [UInt8], into png: inout [UInt8]) {
        let typeBytes = Array(type.utf8)
        png += bigEndian(UInt32(data.count))
        png += typeBytes
        png += data
        png += bigEndian(crc32(typeBytes + data))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), as PNG chunks use.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }

    static let crcTable: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    /// Adler-32 of the uncompressed data, as zlib ends its stream.
    static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
