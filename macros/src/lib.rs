//! `#[rules]`: the one source of truth for the rules of a request type.
//!
//! Put it above the `#[derive(..)]` of a struct whose fields carry `validator` rules. It reads
//! each field's `#[validate(..)]` and adds the same rules to the OpenAPI schema utoipa derives:
//! `length` becomes `minLength`/`maxLength` (or `minItems`/`maxItems` for a list), `range`
//! becomes `minimum`/`maximum`, `email` and `url` become formats. The server enforces the
//! `validator` rule, and the spec declares it, from the one attribute.

use proc_macro::TokenStream;
use proc_macro2::{Literal, TokenStream as Tokens};
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{parse_macro_input, Attribute, Expr, Fields, ItemStruct, Lit, Type, UnOp};

#[proc_macro_attribute]
pub fn rules(_attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut item = parse_macro_input!(item as ItemStruct);
    let into_params = derives(&item.attrs, "IntoParams");
    let Fields::Named(fields) = &mut item.fields else {
        return quote!(#item).into();
    };
    let mut failures = Vec::new();
    for field in fields.named.iter_mut() {
        let list = is_list(&field.ty);
        let mut rules = Vec::new();
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("validate")) {
            if let Err(e) = attr.parse_nested_meta(|meta| rule(meta, list, &mut rules)) {
                failures.push(e.to_compile_error());
            }
        }
        if rules.is_empty() {
            continue;
        }
        let attr: Attribute = if into_params {
            syn::parse_quote!(#[param(#(#rules),*)])
        } else {
            syn::parse_quote!(#[schema(#(#rules),*)])
        };
        field.attrs.push(attr);
    }
    quote!(#item #(#failures)*).into()
}

/// One `validator` rule, turned into the schema attributes that say the same.
fn rule(meta: ParseNestedMeta<'_>, list: bool, rules: &mut Vec<Tokens>) -> syn::Result<()> {
    let name = meta
        .path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default();
    match name.as_str() {
        "length" => meta.parse_nested_meta(|bound| {
            let which = ident(&bound);
            let value = number(&bound.value()?.parse()?)?;
            let (min, max) = if list {
                (quote!(min_items), quote!(max_items))
            } else {
                (quote!(min_length), quote!(max_length))
            };
            match which.as_str() {
                "min" => rules.push(quote!(#min = #value)),
                "max" => rules.push(quote!(#max = #value)),
                "equal" => {
                    rules.push(quote!(#min = #value));
                    rules.push(quote!(#max = #value));
                }
                _ => skip(&bound)?,
            }
            Ok(())
        }),
        "range" => meta.parse_nested_meta(|bound| {
            let which = ident(&bound);
            let value = number(&bound.value()?.parse()?)?;
            match which.as_str() {
                "min" => rules.push(quote!(minimum = #value)),
                "max" => rules.push(quote!(maximum = #value)),
                "exclusive_min" => rules.push(quote!(exclusive_minimum = #value)),
                "exclusive_max" => rules.push(quote!(exclusive_maximum = #value)),
                _ => skip(&bound)?,
            }
            Ok(())
        }),
        "email" => {
            rules.push(quote!(format = Email));
            skip(&meta)
        }
        "url" => {
            rules.push(quote!(format = "uri"));
            skip(&meta)
        }
        // `nested`, `custom(..)`, `regex(..)`, `required`: nothing the schema can say by itself.
        _ => skip(&meta),
    }
}

fn ident(meta: &ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// Consumes whatever follows a rule's name: `(..)`, `= value`, or nothing.
fn skip(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in meta.input);
        content.parse::<Tokens>()?;
    } else if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<Expr>()?;
    }
    Ok(())
}

/// A numeric literal as utoipa reads it: no suffix, no digit separators, a leading minus.
fn number(expr: &Expr) -> syn::Result<Tokens> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(i) => {
                let digits: u128 = i.base10_parse()?;
                // utoipa takes the literal as it is: unsuffixed it is an `i32`, so a larger
                // bound needs its type said (1e12 would wrap around otherwise).
                let lit = match i64::try_from(digits) {
                    Ok(n) if i32::try_from(n).is_err() => Literal::i64_suffixed(n),
                    _ => Literal::u128_unsuffixed(digits),
                };
                Ok(quote!(#lit))
            }
            Lit::Float(f) => {
                let value: f64 = f.base10_parse()?;
                let lit = Literal::f64_unsuffixed(value);
                Ok(quote!(#lit))
            }
            other => Err(syn::Error::new_spanned(
                other,
                "#[rules] needs a number here",
            )),
        },
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
            let inner = number(&unary.expr)?;
            Ok(quote!(-#inner))
        }
        other => Err(syn::Error::new_spanned(
            other,
            "#[rules] needs a literal number, so that the spec can say it too",
        )),
    }
}

fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            let mut found = false;
            let _ = a.parse_nested_meta(|meta| {
                found |= meta.path.segments.last().is_some_and(|s| s.ident == name);
                Ok(())
            });
            found
        })
}

/// `Vec<_>` or `Option<Vec<_>>`: a length rule counts items.
fn is_list(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(last) = path.path.segments.last() else {
        return false;
    };
    if last.ident == "Vec" {
        return true;
    }
    if last.ident == "Option" {
        if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
            if let Some(syn::GenericArgument::Type(inner)) = args.args.first() {
                return is_list(inner);
            }
        }
    }
    false
}
