// A buyer's and an artisan's journey through a TypeScript client generated from the served
// OpenAPI document (openapi-typescript types + openapi-fetch). tsc type-checks every field this
// file reads against the document; at run time each answer is compared with the document's
// schema: a field the server sends that the document lacks, or the reverse, fails.
//
// node journey.mjs <base url> <openapi.json> <a JPEG file>
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { paths } from "./api.js";

const [baseUrl, documentPath, photoPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(documentPath, "utf8"));

type Schema = Record<string, any>;

function resolve(schema: Schema): Schema {
  let current = schema;
  while (current && current.$ref) {
    const parts = String(current.$ref).replace(/^#\//, "").split("/");
    current = parts.reduce((node: any, key: string) => node[key], spec);
  }
  return current;
}

// Differences between a JSON value and its schema: keys sent but not documented, documented
// but not sent, and the same within nested objects, lists and maps.
function differences(value: unknown, schema: Schema, path: string): string[] {
  schema = resolve(schema);
  if (value === null || value === undefined || !schema) return [];
  for (const key of ["oneOf", "anyOf"]) {
    if (Array.isArray(schema[key])) {
      const tries = schema[key].map((branch: Schema) => differences(value, branch, path));
      return tries.find((found: string[]) => found.length === 0) ?? tries[0];
    }
  }
  if (Array.isArray(schema.allOf)) {
    return schema.allOf.flatMap((branch: Schema) => differences(value, branch, path));
  }
  if (Array.isArray(value)) {
    return schema.items ? value.flatMap((item, i) => differences(item, schema.items, `${path}[${i}]`)) : [];
  }
  if (typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  const found: string[] = [];
  const properties: Schema = schema.properties ?? {};
  const documented = Object.keys(properties);
  if (documented.length > 0 || schema.additionalProperties === false) {
    for (const key of Object.keys(record)) {
      if (!(key in properties)) found.push(`${path}.${key}: sent, not in the document`);
    }
    for (const key of documented) {
      if (properties[key].writeOnly) continue;
      if (!(key in record)) found.push(`${path}.${key}: in the document, not sent`);
      else found.push(...differences(record[key], properties[key], `${path}.${key}`));
    }
  } else if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    for (const [key, item] of Object.entries(record)) {
      found.push(...differences(item, schema.additionalProperties, `${path}[${JSON.stringify(key)}]`));
    }
  }
  return found;
}

function responseSchema(route: string, method: string, status: number): Schema {
  const operation = spec.paths[route]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${route} is not in the document`);
  const answer = resolve(operation.responses[String(status)] ?? {});
  const schema = answer?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`${method} ${route} documents no JSON answer for ${status}`);
  return schema;
}

let checked = 0;

function strict<T>(
  route: string,
  method: string,
  status: number,
  result: { data?: T; error?: unknown; response: Response },
): T {
  const body = result.data ?? result.error;
  if (result.response.status !== status) {
    throw new Error(`${method} ${route}: ${result.response.status}, expected ${status}: ${JSON.stringify(body)}`);
  }
  const found = differences(body, responseSchema(route, method, status), "$");
  if (found.length > 0) {
    throw new Error(`${method} ${route}: the document and the answer differ:\n${found.join("\n")}`);
  }
  checked += 1;
  return body as T;
}

function strictError(
  route: string,
  method: string,
  status: number,
  result: { error?: unknown; response: Response },
) {
  return strict(route, method, status, { error: result.error, response: result.response }) as {
    error: { code: string; message: string; details: Record<string, unknown> };
  };
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(16).slice(2, 10)}`;
const anonymous = createClient<paths>({ baseUrl });

async function register(role: "buyer" | "artisan") {
  const body = { name: `Khách ${role}`, password: "mật khẩu dài", email: `${unique(role)}@example.test`, role, locale: "vi" as const };
  const session = strict("/api/v1/auth/register", "POST", 201, await anonymous.POST("/api/v1/auth/register", { body }));
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${session.token}` } });
  return { session, client };
}

const address = {
  name: "Lò Thị Mai",
  phone: "0912345678",
  line1: "Bản Pa Cò",
  commune: "Vân Hồ",
  province: "Sơn La",
  country: "VN",
};

// The artisan: an account, a shop, a photo, a product with it.
const { client: seller } = await register("artisan");
strict("/api/v1/me", "GET", 200, await seller.GET("/api/v1/me"));
const shop = strict(
  "/api/v1/shops",
  "POST",
  201,
  await seller.POST("/api/v1/shops", { body: { name: unique("Hợp tác xã"), commune: "Vân Hồ" } }),
);
const photo = readFileSync(photoPath);
const image = strict(
  "/api/v1/media",
  "POST",
  201,
  await seller.POST("/api/v1/media", {
    body: { file: "khan.jpg" },
    bodySerializer() {
      const form = new FormData();
      form.append("file", new Blob([photo], { type: "image/jpeg" }), "khan.jpg");
      return form;
    },
  }),
);
const product = strict(
  "/api/v1/shops/{shop_ref}/products",
  "POST",
  201,
  await seller.POST("/api/v1/shops/{shop_ref}/products", {
    params: { path: { shop_ref: shop.slug ?? "" } },
    body: { title: "Khăn piêu thêu tay", price: 350000, stock: 5, category: "Thổ cẩm", image_ids: [image.id ?? ""] },
  }),
);
expect(product.images?.[0]?.id === image.id, "the product shows its photo");
// A nullable nested object is documented as anyOf [{nullable object}, CategoryRef] (apispec):
// openapi-typescript reads `{} | CategoryRef`, hence the narrowing.
const category = product.category as { slug?: string } | null | undefined;
expect(category?.slug === "brocade", "the category is found by its Vietnamese name");
strict(
  "/api/v1/products/{product_id}",
  "GET",
  200,
  await anonymous.GET("/api/v1/products/{product_id}", { params: { path: { product_id: product.id ?? "" } } }),
);
const found = strict(
  "/api/v1/products",
  "GET",
  200,
  await anonymous.GET("/api/v1/products", { params: { query: { q: "khan pieu" } } }),
);
expect((found.items ?? []).some((item) => item.id === product.id), "search finds the product");

// The buyer: a quote, then a cash-on-delivery checkout.
const { client: buyer } = await register("buyer");
const basket = { items: [{ product_id: product.id ?? "", quantity: 2 }], shipping_address: address };
strict("/api/v1/checkouts/quote", "POST", 200, await buyer.POST("/api/v1/checkouts/quote", { body: basket }));
const checkout = strict(
  "/api/v1/checkouts",
  "POST",
  201,
  await buyer.POST("/api/v1/checkouts", { body: { ...basket, payment_method: "cod" } }),
);
const order = (checkout.orders ?? [])[0];
expect(order?.total === 2 * 350000 + (order?.shipping_fee ?? 0), "the order's total");
const orderPath = { params: { path: { order_id: order.id ?? "" } } };

// The artisan sees it without naming the shop and moves it along; the buyer receives it.
const listed = strict("/api/v1/orders", "GET", 200, await seller.GET("/api/v1/orders"));
expect((listed.items ?? []).map((item) => item.id).join() === order.id, "the artisan's orders");
strict("/api/v1/orders/{order_id}/confirm", "POST", 200, await seller.POST("/api/v1/orders/{order_id}/confirm", orderPath));
const shipped = strict(
  "/api/v1/orders/{order_id}/ship",
  "POST",
  200,
  await seller.POST("/api/v1/orders/{order_id}/ship", {
    ...orderPath,
    body: { carrier: "VNPost", tracking_number: "EB123456789VN" },
  }),
);
expect(shipped.status === "shipped", "shipped");
const delivered = strict(
  "/api/v1/orders/{order_id}/deliver",
  "POST",
  200,
  await buyer.POST("/api/v1/orders/{order_id}/deliver", orderPath),
);
expect(delivered.status === "delivered", "delivered");

// Errors are documented too: the envelope, in the caller's language.
const refused = strictError(
  "/api/v1/orders/{order_id}/confirm",
  "POST",
  403,
  await buyer.POST("/api/v1/orders/{order_id}/confirm", orderPath),
);
expect(refused.error.code === "not_allowed", "the code");
expect(refused.error.message === "Bạn không được xác nhận đơn này.", `Vietnamese: ${refused.error.message}`);

console.log(JSON.stringify({ checked }));
