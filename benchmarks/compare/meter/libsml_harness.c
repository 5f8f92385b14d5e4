/* The libsml side of the SML comparison (our own harness over Debian's libsml):
 * for each frame (offsets found beforehand) check the transport CRC, parse the
 * SML file and read every list entry's value as libsml's own tools do. */
#include <stddef.h>
#include <stdint.h>

#include <sml/sml_crc16.h>
#include <sml/sml_file.h>
#include <sml/sml_get_list_response.h>
#include <sml/sml_list.h>
#include <sml/sml_message.h>
#include <sml/sml_value.h>

/* Returns the number of numeric values read; frames that fail add nothing. */
size_t libsml_decode_frames(const unsigned char* bytes, const size_t* offsets, const size_t* lengths, size_t n,
                            double* checksum) {
  size_t values = 0;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    unsigned char* f = (unsigned char*)bytes + offsets[i];
    const size_t len = lengths[i];
    uint16_t crc = sml_crc16_calculate(f, (int)(len - 2));
    if (((crc & 0xFF) != f[len - 2] || (crc >> 8) != f[len - 1]) && ((crc >> 8) != f[len - 2] || (crc & 0xFF) != f[len - 1]))
      continue;
    sml_file* file = sml_file_parse(f + 8, len - 16);
    for (int m = 0; m < file->messages_len; ++m) {
      sml_message* msg = file->messages[m];
      if (*msg->message_body->tag != SML_MESSAGE_GET_LIST_RESPONSE) continue;
      sml_get_list_response* body = (sml_get_list_response*)msg->message_body->data;
      for (sml_list* e = body->val_list; e != NULL; e = e->next) {
        if (e->value && e->value->type != SML_TYPE_OCTET_STRING && e->value->type != SML_TYPE_BOOLEAN) {
          double v = sml_value_to_double(e->value);
          int scaler = e->scaler ? *e->scaler : 0;
          for (; scaler > 0; --scaler) v *= 10;
          for (; scaler < 0; ++scaler) v /= 10;
          sum += v;
          ++values;
        }
      }
    }
    sml_file_free(file);
  }
  *checksum = sum;
  return values;
}
